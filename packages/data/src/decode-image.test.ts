import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RfmError } from '@rfm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from './index.js';
import { encode, rgb, tempDir, writeFile } from './test-fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function decodeError(source: string | Uint8Array, options = {}): Promise<ImageDecodeError> {
  const e = await decodeImage(source, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ImageDecodeError);
  expect(e).toBeInstanceOf(RfmError);
  expect((e as ImageDecodeError).code).toBe('RFM_BAD_IMAGE');
  return e as ImageDecodeError;
}

describe('decodeImage', () => {
  const pixels = rgb(5, 3, (x, y, c) => x * 40 + y * 7 + c);

  it('returns the exact RGB pixels of a PNG, HWC', async () => {
    const path = join(tmp.dir, 'a.png');
    writeFile(path, await encode(pixels, 5, 3));
    const img = await decodeImage(path);
    expect(img.width).toBe(5);
    expect(img.height).toBe(3);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img.data)).toEqual(Array.from(pixels));
  });

  it('decodes lossless WebP exactly and JPEG approximately', async () => {
    const webp = await decodeImage(await encode(pixels, 5, 3, 'webp'));
    expect(Array.from(webp.data)).toEqual(Array.from(pixels));
    const smooth = rgb(16, 16, () => 128);
    const jpeg = await decodeImage(await encode(smooth, 16, 16, 'jpeg'));
    expect(jpeg.data.length).toBe(16 * 16 * 3);
    expect(Math.max(...Array.from(jpeg.data, (v) => Math.abs(v - 128)))).toBeLessThanOrEqual(2);
  });

  it('expands grey to three channels and drops alpha without blending', async () => {
    const grey = await decodeImage(await encode(new Uint8Array([10, 20, 30, 40]), 2, 2, 'png', 1));
    expect(Array.from(grey.data)).toEqual([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);
    const rgba = await decodeImage(await encode(new Uint8Array([1, 2, 3, 0, 5, 6, 7, 255]), 2, 1, 'png', 4));
    expect(Array.from(rgba.data)).toEqual([1, 2, 3, 5, 6, 7]);
    const greyAlpha = await decodeImage(await encode(new Uint8Array([9, 0, 200, 255]), 2, 1, 'png', 2));
    expect(Array.from(greyAlpha.data)).toEqual([9, 9, 9, 200, 200, 200]);
  });

  it('names the file of a truncated JPEG', async () => {
    const full = await encode(rgb(32, 32, (x, y, c) => (x * y + c * 50) % 256), 32, 32, 'jpeg');
    const path = join(tmp.dir, 'truncated.jpg');
    writeFile(path, full.subarray(0, Math.floor(full.length * 0.6)));
    const e = await decodeError(path);
    expect(e.file).toBe(path);
    expect(e.message).toContain(path);
    expect(e.reason).toMatch(/truncated|damaged/);
  });

  it('names the file of a corrupt PNG, a non-image, an empty and a missing file', async () => {
    const png = await encode(pixels, 5, 3);
    const corrupt = Buffer.from(png);
    corrupt.fill(0x5a, 12, 40); // destroys the IHDR chunk
    const paths = {
      corrupt: join(tmp.dir, 'corrupt.png'),
      text: join(tmp.dir, 'notes.png'),
      empty: join(tmp.dir, 'empty.jpg'),
      missing: join(tmp.dir, 'missing.png'),
    };
    writeFile(paths.corrupt, corrupt);
    writeFile(paths.text, 'this is not an image\n');
    writeFile(paths.empty, '');
    for (const path of Object.values(paths)) {
      const e = await decodeError(path);
      expect(e.message).toContain(path);
    }
    expect((await decodeError(paths.text)).reason).toContain('not an image');
    expect((await decodeError(paths.missing)).reason).toContain('cannot read');
  });

  it('refuses images above maxPixels before decoding, and formats other than JPEG/PNG/WebP', async () => {
    const big = await encode(rgb(20, 10, () => 7), 20, 10);
    const e = await decodeError(big, { maxPixels: 199, name: 'big.png' });
    expect(e.file).toBe('big.png');
    expect(e.reason).toContain('200 pixels exceeds maxPixels = 199');
    await expect(decodeImage(big, { maxPixels: 200 })).resolves.toMatchObject({ width: 20, height: 10 });
    const { default: sharp } = await import('sharp');
    const gif = await sharp(Buffer.from(pixels), { raw: { width: 5, height: 3, channels: 3 } }).gif().toBuffer();
    expect((await decodeError(gif)).reason).toContain('unsupported format "gif"');
  });

  it('decodes a bundled JPEG face to 256x256 deterministically', async () => {
    const path = new URL('../../../data/ffhq-stylegan2/real/ffhq_01000.jpg', import.meta.url);
    const bytes = readFileSync(path);
    const a = await decodeImage(bytes);
    const b = await decodeImage(bytes);
    expect([a.width, a.height]).toEqual([256, 256]);
    expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).toBe(0);
  });
});
