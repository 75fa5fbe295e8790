/**
 * 8-bit pixels to a PNG `data:` URI, so the report embeds its images.
 *
 * @packageDocumentation
 */
import { encodePng, type PixelImage } from '../images/png.js';
import type { ReportImage } from './report-model.js';

/**
 * Encodes grey or RGB pixels as a PNG embedded in a `data:` URI.
 *
 * @param image - pixels (`height · width · channels` bytes)
 * @param alt - alternative text of the image
 */
export async function pngImage(image: PixelImage, alt: string): Promise<ReportImage> {
  const png = await encodePng(image);
  return { dataUri: `data:image/png;base64,${png.toString('base64')}`, width: image.width, height: image.height, alt };
}
