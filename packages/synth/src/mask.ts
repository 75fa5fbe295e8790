/**
 * Single-channel float masks and the set operations on them.
 *
 * @packageDocumentation
 */
import { ShapeMismatchError } from '@rfm/core';

/** A single-channel mask, row-major, values in [0, 1] (1 = inside). */
export interface Mask {
  /** `width * height` values. */
  readonly data: Float32Array;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
}

/**
 * An all-zero mask.
 *
 * @param width - columns
 * @param height - rows
 */
export function emptyMask(width: number, height: number): Mask {
  return { data: new Float32Array(width * height), width, height };
}

function sameShape(a: Mask, b: Mask): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new ShapeMismatchError(`masks of ${a.width}x${a.height} and ${b.width}x${b.height} cannot be combined; build both at one image size.`);
  }
}

/**
 * Pixel-wise maximum of masks of one size.
 *
 * @param first - a mask
 * @param rest - more masks of its size
 */
export function unionMasks(first: Mask, ...rest: Mask[]): Mask {
  const out = new Float32Array(first.data);
  for (const m of rest) {
    sameShape(first, m);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i]!, m.data[i]!);
  }
  return { data: out, width: first.width, height: first.height };
}

/**
 * `a` where `b` is zero, 0 where `b` is set (`a * (1 - b)` for binary masks).
 *
 * @param a - the mask to cut
 * @param b - what to remove
 */
export function subtractMask(a: Mask, b: Mask): Mask {
  sameShape(a, b);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! * (1 - b.data[i]!);
  return { data: out, width: a.width, height: a.height };
}

/**
 * Pixel-wise minimum of two masks.
 *
 * @param a - a mask
 * @param b - a mask of its size
 */
export function intersectMasks(a: Mask, b: Mask): Mask {
  sameShape(a, b);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(a.data[i]!, b.data[i]!);
  return { data: out, width: a.width, height: a.height };
}

/**
 * Number of pixels above `threshold`.
 *
 * @param mask - the mask
 * @param threshold - exclusive lower bound (default 0)
 */
export function maskArea(mask: Mask, threshold = 0): number {
  let n = 0;
  for (const v of mask.data) if (v > threshold) n++;
  return n;
}

/**
 * Morphological dilation (`radius > 0`) or erosion (`radius < 0`) of a binary mask by a square of
 * side `2|radius| + 1`, computed as two separable 1D passes.
 *
 * @param mask - a binary mask (values 0 or 1)
 * @param radius - pixels; 0 returns a copy
 */
export function morphMask(mask: Mask, radius: number): Mask {
  const r = Math.round(Math.abs(radius));
  const dilate = radius > 0;
  const { width: w, height: h } = mask;
  if (r === 0) return { data: new Float32Array(mask.data), width: w, height: h };
  const pick = dilate ? Math.max : Math.min;
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = src[y * w + x]!;
        for (let k = -r; k <= r; k++) {
          const xx = horizontal ? x + k : x;
          const yy = horizontal ? y : y + k;
          // Outside the image counts as empty: erosion eats the border, dilation ignores it.
          const s = xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : src[yy * w + xx]!;
          v = pick(v, s);
        }
        out[y * w + x] = v;
      }
    }
    return out;
  };
  return { data: pass(pass(mask.data, true), false), width: w, height: h };
}
