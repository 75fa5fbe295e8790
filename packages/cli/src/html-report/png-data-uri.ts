/**
 * 8-bit pixels to a PNG `data:` URI (encoded by sharp), so the report embeds its images.
 *
 * @packageDocumentation
 */
import sharp from 'sharp';
import type { PixelImage } from '../images/png.js';
import type { ReportImage } from './report-model.js';

/**
 * Encodes grey or RGB pixels as a PNG embedded in a `data:` URI.
 *
 * @param image - pixels (`height · width · channels` bytes)
 * @param alt - alternative text of the image
 */
export async function pngImage(image: PixelImage, alt: string): Promise<ReportImage> {
  const { data, width, height, channels } = image;
  const png = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } })
    .png()
    .toBuffer();
  return { dataUri: `data:image/png;base64,${png.toString('base64')}`, width, height, alt };
}
