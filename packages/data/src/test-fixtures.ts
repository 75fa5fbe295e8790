/**
 * Test helpers (not part of the package build): temporary folders and tiny images written by sharp.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** A temporary folder removed by `cleanup()`. */
export function tempDir(prefix = 'rfm-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** RGB bytes of a `w x h` image whose pixel (x, y, c) is `f(x, y, c)`. */
export function rgb(w: number, h: number, f: (x: number, y: number, c: number) => number): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c);
  return data;
}

/** Encodes raw pixels (`channels` per pixel) as PNG, JPEG or WebP (lossless). */
export async function encode(
  data: Uint8Array,
  w: number,
  h: number,
  format: 'png' | 'jpeg' | 'webp' = 'png',
  channels: 1 | 2 | 3 | 4 = 3,
): Promise<Buffer> {
  const img = sharp(data, { raw: { width: w, height: h, channels } });
  if (format === 'jpeg') return img.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return img.webp({ lossless: true }).toBuffer();
  return img.png().toBuffer();
}

/** Writes a file, creating its folder. */
export function writeFile(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/**
 * Writes a tiny PNG of size `size` whose pixels encode `seed` (so images differ), and returns its bytes.
 */
export async function writeTinyPng(path: string, seed: number, size = 8): Promise<Buffer> {
  const bytes = await encode(rgb(size, size, (x, y, c) => (seed * 37 + x * 11 + y * 5 + c * 3) % 256), size, size);
  writeFile(path, bytes);
  return bytes;
}

/** Writes `real/r<i>.png` and `fake/<technique>/f<i>.png` (or `fake/f<i>.png` for technique ''). */
export async function writeFolderDataset(
  root: string,
  nReal: number,
  fakes: Record<string, number>,
  size = 8,
): Promise<void> {
  let seed = 0;
  for (let i = 0; i < nReal; i++) await writeTinyPng(join(root, 'real', `r${String(i).padStart(2, '0')}.png`), seed++, size);
  for (const [t, n] of Object.entries(fakes)) {
    for (let i = 0; i < n; i++) {
      await writeTinyPng(join(root, 'fake', ...(t === '' ? [] : [t]), `f${String(i).padStart(2, '0')}.png`), seed++, size);
    }
  }
}
