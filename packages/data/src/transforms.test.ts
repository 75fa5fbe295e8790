import { createRng, InvalidOptionError, RFM_NORMALIZATION, ShapeMismatchError } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import {
  centerParams,
  normalizationTable,
  resolveTransformOptions,
  roundHalfEven,
  sampleTrainParams,
  TRANSFORM_DEFAULTS,
  writeTransformed,
} from './index.js';
import { rgb } from './test-fixtures.js';

describe('transform options', () => {
  it('defaults to resize 256, crop 224, flip 0.5, RFM normalisation', () => {
    expect(resolveTransformOptions()).toEqual({ resize: [256, 256], crop: [224, 224], flip: 0.5, normalization: RFM_NORMALIZATION });
    expect(TRANSFORM_DEFAULTS.normalization).toBe(RFM_NORMALIZATION);
    expect(resolveTransformOptions({ resize: [10, 12], crop: 8, flip: 0 })).toMatchObject({ resize: [10, 12], crop: [8, 8], flip: 0 });
  });

  it('rejects a crop larger than the resize, a bad flip or std', () => {
    expect(() => resolveTransformOptions({ resize: 8, crop: 9 })).toThrow(InvalidOptionError);
    expect(() => resolveTransformOptions({ crop: 2.5 })).toThrow(InvalidOptionError);
    expect(() => resolveTransformOptions({ flip: 1.5 })).toThrow(InvalidOptionError);
    expect(() => resolveTransformOptions({ normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0, 0.25] } })).toThrow(
      InvalidOptionError,
    );
  });
});

describe('crop and flip parameters', () => {
  const t = resolveTransformOptions();

  it('draws crop offsets uniformly in 0..32 inclusive and flips about half the time', () => {
    const rng = createRng(1);
    const tops = new Map<number, number>();
    let flips = 0;
    const n = 6600;
    for (let i = 0; i < n; i++) {
      const p = sampleTrainParams(rng, t);
      expect(p.top).toBeGreaterThanOrEqual(0);
      expect(p.top).toBeLessThanOrEqual(32);
      expect(p.left).toBeGreaterThanOrEqual(0);
      expect(p.left).toBeLessThanOrEqual(32);
      tops.set(p.top, (tops.get(p.top) ?? 0) + 1);
      flips += p.flip ? 1 : 0;
    }
    expect([...tops.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 33 }, (_, i) => i));
    for (const count of tops.values()) expect(Math.abs(count - n / 33)).toBeLessThan(80); // ~4.5 sd
    expect(Math.abs(flips - n / 2)).toBeLessThan(200);
  });

  it('is reproducible from the seed and never flips with flip = 0', () => {
    const a = Array.from({ length: 5 }, ((r) => () => sampleTrainParams(r, t))(createRng(9)));
    const b = Array.from({ length: 5 }, ((r) => () => sampleTrainParams(r, t))(createRng(9)));
    expect(a).toEqual(b);
    const noFlip = resolveTransformOptions({ flip: 0 });
    const rng = createRng(2);
    for (let i = 0; i < 200; i++) expect(sampleTrainParams(rng, noFlip).flip).toBe(false);
  });

  it('centres the evaluation crop like torchvision (16 for 224 from 256) without flip', () => {
    expect(centerParams(t)).toEqual({ top: 16, left: 16, flip: false });
    expect(centerParams(resolveTransformOptions({ resize: [9, 10], crop: [8, 7] }))).toEqual({ top: 0, left: 2, flip: false });
    expect([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3]);
  });
});

describe('writeTransformed', () => {
  // Pixel (x, y) holds R = 10x + y, G = 100 + y, B = 200 + x on a 6x5 image.
  const W = 6;
  const H = 5;
  const image = { data: rgb(W, H, (x, y, c) => (c === 0 ? 10 * x + y : c === 1 ? 100 + y : 200 + x)), width: W, height: H };
  const t = resolveTransformOptions({ resize: [H, W], crop: [3, 4] });
  const lut = normalizationTable(t.normalization);
  const norm = (v: number) => Math.fround((v / 255 - 0.5) / 0.25);

  it('normalises exactly: 0 → −2, 255 → 2, v → (v/255 − 0.5)/0.25 in float32', () => {
    expect(lut[0]).toBe(-2);
    expect(lut[255]).toBe(2);
    for (const v of [1, 51, 127, 128, 204]) expect(lut[256 + v]).toBe(norm(v));
  });

  it('crops at the given offsets and writes HWC at the offset', () => {
    const out = new Float32Array(2 + 3 * 4 * 3).fill(99);
    writeTransformed(image, { top: 1, left: 2, flip: false }, t, lut, out, 2);
    expect(out[0]).toBe(99);
    expect(out[1]).toBe(99);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const o = 2 + (y * 4 + x) * 3;
        const sx = 2 + x;
        const sy = 1 + y;
        expect([out[o], out[o + 1], out[o + 2]]).toEqual([norm(10 * sx + sy), norm(100 + sy), norm(200 + sx)]);
      }
    }
  });

  it('mirrors the crop left-right when flipping', () => {
    const plain = new Float32Array(3 * 4 * 3);
    const flipped = new Float32Array(3 * 4 * 3);
    writeTransformed(image, { top: 2, left: 1, flip: false }, t, lut, plain, 0);
    writeTransformed(image, { top: 2, left: 1, flip: true }, t, lut, flipped, 0);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) expect(flipped[(y * 4 + x) * 3 + c]).toBe(plain[(y * 4 + (3 - x)) * 3 + c]);
      }
    }
    expect(flipped[0]).toBe(norm(10 * 4 + 2)); // top-left of the flipped crop = top-right source pixel (x = 4)
  });

  it('refuses an image of the wrong size or a crop outside it', () => {
    const out = new Float32Array(36);
    expect(() => writeTransformed({ ...image, width: 5, data: image.data.subarray(0, 75) }, { top: 0, left: 0, flip: false }, t, lut, out, 0)).toThrow(
      ShapeMismatchError,
    );
    expect(() => writeTransformed(image, { top: 3, left: 0, flip: false }, t, lut, out, 0)).toThrow(ShapeMismatchError);
  });
});
