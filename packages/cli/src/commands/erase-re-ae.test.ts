import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readPng } from '../images/png.js';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const fakeDir = fileURLToPath(new URL('../../../../data/ffhq-stylegan2/fake', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-erase-re-ae-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const images = join(dir, 'in');
mkdirSync(images);
const names = readdirSync(fakeDir).filter((f) => f.endsWith('.jpg')).sort().slice(0, 2);
names.forEach((n) => copyFileSync(join(fakeDir, n), join(images, n)));
const stems = names.map((n) => n.replace(/\.jpg$/, ''));

interface Rect { top: number; bottom: number; left: number; right: number }
const erase = async (method: string, out: string, extra: string[] = []) => {
  const io = captureIO();
  const code = await runCli(['erase', '--method', method, '--images', images, '--out', out, '--size', '32', '--backend', 'cpu', '--seed', '1', ...extra], io);
  expect(code, io.stderr()).toBe(0);
  return JSON.parse(readFileSync(join(out, 'erase.json'), 'utf8')) as { method: string; images: { image: string; params: unknown }[] };
};

describe('rfm erase --method re | ae', () => {
  it('re: writes the erased image and a mask matching the recorded rectangles, and no attention map', async () => {
    const out = join(dir, 're');
    const record = await erase('re', out, ['--blocks', '2']);
    expect(record.method).toBe('re');
    // Seed 1 erases at least one of the two images at p = 0.5, so the mask check below is not vacuous.
    expect(record.images.some((r) => (r.params as { erased: boolean }).erased)).toBe(true);
    for (const [i, stem] of stems.entries()) {
      const params = record.images[i]!.params as { erased: boolean; rects: Rect[] };
      const [erased, mask] = await Promise.all(['erased', 'mask'].map((k) => readPng(join(out, `${stem}.${k}.png`))));
      expect([erased!.width, mask!.width]).toEqual([32, 32]);
      expect(existsSync(join(out, `${stem}.fam.png`))).toBe(false);
      expect(existsSync(join(out, `${stem}.cam.png`))).toBe(false);
      if (params.erased) expect(params.rects).toHaveLength(2);
      let wrong = 0;
      for (let k = 0; k < 32 * 32; k++) {
        const [row, col] = [Math.floor(k / 32), k % 32];
        const covered = params.rects.some((r) => row >= r.top && row < r.bottom && col >= r.left && col < r.right);
        if (mask!.data[4 * k] !== (covered ? 0 : 255)) wrong++;
      }
      expect(wrong).toBe(0);
    }
  });

  it('ae: writes the erased image, the mask of the top-20 % CAM pixels and the CAM', async () => {
    const out = join(dir, 'ae');
    const record = await erase('ae', out);
    for (const [i, stem] of stems.entries()) {
      const params = record.images[i]!.params as { erased: boolean; pixels: number; camClass: number };
      expect(params.camClass).toBe(1);
      const [mask, cam] = await Promise.all(['mask', 'cam'].map((k) => readPng(join(out, `${stem}.${k}.png`))));
      expect([cam!.width, cam!.height]).toEqual([32, 32]);
      let black = 0;
      for (let k = 0; k < 32 * 32; k++) if (mask!.data[4 * k] === 0) black++;
      expect(black).toBe(params.pixels);
      expect(black).toBeGreaterThanOrEqual(Math.ceil(0.2 * 32 * 32));
      expect(black).toBeLessThan(0.5 * 32 * 32);
      expect(existsSync(join(out, `${stem}.fam.png`))).toBe(false);
    }
  });
});
