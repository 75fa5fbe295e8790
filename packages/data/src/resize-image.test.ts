import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resizeImage, type DecodedImage } from './index.js';
import { rgb } from './test-fixtures.js';

/** cv2 INTER_LINEAR geometry in float64: src = (dst + 0.5)·scale − 0.5, clamped at 0, edge replicated. */
function referenceResize(img: DecodedImage, h: number, w: number): number[] {
  const out: number[] = [];
  const sy = img.height / h;
  const sx = img.width / w;
  const px = (x: number, y: number, c: number) => img.data[(y * img.width + x) * 3 + c]!;
  for (let y = 0; y < h; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const dy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const dx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const top = px(x0, y0, c) * (1 - dx) + px(x1, y0, c) * dx;
        const bot = px(x0, y1, c) * (1 - dx) + px(x1, y1, c) * dx;
        out.push(Math.floor(top * (1 - dy) + bot * dy + 0.5));
      }
    }
  }
  return out;
}

describe('resizeImage', () => {
  it('returns the image unchanged at the target size', () => {
    const img = { data: rgb(4, 3, (x, y, c) => x + y + c), width: 4, height: 3 };
    expect(resizeImage(img, 3, 4)).toBe(img);
  });

  it('matches the half-pixel-centre bilinear map exactly when up- and downscaling by 2', () => {
    // Multiples of 16: every weighted sum (weights 1/4, 3/4, 1/2) is an exact integer.
    const small = { data: rgb(3, 2, (x, y, c) => 16 * ((x * 5 + y * 3 + c * 2) % 15)), width: 3, height: 2 };
    expect(Array.from(resizeImage(small, 4, 6).data)).toEqual(referenceResize(small, 4, 6));
    const large = { data: rgb(8, 6, (x, y, c) => 16 * ((x * 7 + y * 3 + c) % 15)), width: 8, height: 6 };
    expect(Array.from(resizeImage(large, 3, 4).data)).toEqual(referenceResize(large, 3, 4));
  });

  it('stays within one grey level of the float64 reference at an uneven scale, without antialiasing', () => {
    const img = { data: rgb(7, 5, (x, y, c) => (x * 37 + y * 91 + c * 13) % 256), width: 7, height: 5 };
    const got = Array.from(resizeImage(img, 3, 4).data);
    const want = referenceResize(img, 3, 4);
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1));
  });

  it('leaves no tensor behind', () => {
    const img = { data: rgb(6, 6, (x) => x * 20), width: 6, height: 6 };
    const before = tf.memory().numTensors;
    resizeImage(img, 4, 4);
    expect(tf.memory().numTensors).toBe(before);
  });
});
