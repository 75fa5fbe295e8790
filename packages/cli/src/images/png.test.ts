import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizePixel, RFM_NORMALIZATION } from '@rfm/core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { applyJet, jetColor } from './colormap.js';
import { attentionToRgb, writeAttentionPng, writeImagePng, writeMaskPng } from './png.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Decodes a PNG to RGBA pixels, as a reader of the files would see them. */
const read = async (name: string) => {
  const { data, info } = await sharp(readFileSync(join(dir, name))).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
};

describe('jet colour map', () => {
  it('runs dark blue → cyan → yellow → dark red', () => {
    expect(jetColor(0)).toEqual([0, 0, 128]);
    expect(jetColor(0.375)).toEqual([0, 255, 255]);
    expect(jetColor(0.625)).toEqual([255, 255, 0]);
    expect(jetColor(1)).toEqual([128, 0, 0]);
    expect(jetColor(-3)).toEqual(jetColor(0));
    expect(Array.from(applyJet([0.5]))).toEqual(jetColor(0.5));
  });
});

describe('PNG writers', () => {
  it('writes a jet map, a mask and an image that read back exactly, leaving no temp file', async () => {
    const map = { data: new Float32Array([0, 0.375, 0.625, 1]), height: 2, width: 2 };
    await writeAttentionPng(join(dir, 'a', 'map.png'), map);
    const png = await read('a/map.png');
    expect([png.width, png.height]).toEqual([2, 2]);
    expect(Array.from(png.data.subarray(4, 8))).toEqual([0, 255, 255, 255]);

    await writeMaskPng(join(dir, 'mask.png'), [1, 0, 0, 1], 2, 2);
    const mask = await read('mask.png');
    expect([0, 1, 2, 3].map((k) => mask.data[4 * k])).toEqual([255, 0, 0, 255]);

    const pixels = [0, 64, 128, 255, 10, 20, 30, 40, 50, 60, 70, 80];
    const image = { data: new Float32Array(pixels.map((v, k) => normalizePixel(v, k % 3, RFM_NORMALIZATION))), height: 2, width: 2 };
    await writeImagePng(join(dir, 'image.png'), image);
    const rgb = await read('image.png');
    const back = [0, 1, 2, 3].flatMap((k) => Array.from(rgb.data.subarray(4 * k, 4 * k + 3)));
    expect(back).toEqual(pixels);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('blends over a background and stretches the result to 0..255', () => {
    const map = { data: new Float32Array([0, 1]), height: 1, width: 2 };
    const grey = normalizePixel(128, 0, RFM_NORMALIZATION);
    const background = { data: new Float32Array(6).fill(grey), height: 1, width: 2 };
    const out = attentionToRgb(map, { background });
    expect(Math.min(...out.data)).toBe(0);
    expect(Math.max(...out.data)).toBe(255);
    // Heat plus a uniform background keeps the jet ordering per channel: blue dominates at 0, red at 1.
    expect(out.data[2]!).toBeGreaterThan(out.data[0]!);
    expect(out.data[3]!).toBeGreaterThan(out.data[5]!);
    expect(() => attentionToRgb(map, { background: { data: new Float32Array(3), height: 1, width: 1 } })).toThrow();
  });
});
