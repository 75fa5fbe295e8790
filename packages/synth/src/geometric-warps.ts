/**
 * The geometric perturbations of a synthesised blend: a slight random affine transform of the
 * source image and an elastic deformation of the mask.
 *
 * @packageDocumentation
 */
import { createRng, type Rng } from '@rfm/core';
import type { FloatImage } from './float-image.js';
import { sampleBilinear } from './float-image.js';
import { gaussianBlur } from './gaussian-blur.js';
import type { Mask } from './mask.js';

/** A slight affine transform: scale about the centre, then translation (fractions of the size). */
export interface AffineParams {
  /** Horizontal shift as a fraction of the width. */
  readonly translateX: number;
  /** Vertical shift as a fraction of the height. */
  readonly translateY: number;
  /** Scale about the image centre. */
  readonly scale: number;
}

/**
 * Draws SBI's source transform: shift within ±3 % horizontally and ±1.5 % vertically, scale in
 * [0.95, 1/0.95].
 *
 * @param rng - the generator
 */
export function sampleAffine(rng: Rng): AffineParams {
  return { translateX: rng.uniform(-0.03, 0.03), translateY: rng.uniform(-0.015, 0.015), scale: rng.uniform(0.95, 1 / 0.95) };
}

/**
 * Applies {@link AffineParams} to an image (bilinear, border replicated).
 *
 * @param image - float RGB
 * @param p - the transform
 * @returns a new image
 */
export function affineWarp(image: FloatImage, p: AffineParams): FloatImage {
  const { width: w, height: h } = image;
  const out = new Float32Array(image.data.length);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Output (x, y) comes from the source point that the transform maps onto it.
      const sx = (x - p.translateX * w - cx) / p.scale + cx;
      const sy = (y - p.translateY * h - cy) / p.scale + cy;
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = sampleBilinear(image.data, w, h, 3, sx, sy, c);
    }
  }
  return { data: out, width: w, height: h };
}

/** Parameters of an elastic deformation (Simard et al. 2003). */
export interface ElasticParams {
  /** Displacement scale in pixels. */
  readonly alpha: number;
  /** Smoothing of the random field (Gaussian sigma, pixels). */
  readonly sigma: number;
  /** Seed of the displacement field (drawn from the run's generator). */
  readonly seed: number;
  /** Largest displacement applied, pixels (measured). */
  readonly maxShift: number;
}

/**
 * Elastic deformation of a mask: a uniform random field in [-1, 1] per axis, smoothed by a Gaussian
 * of `sigma` and scaled by `alpha`, moves every pixel (bilinear sampling). With SBI's alpha 50 and
 * sigma 7 at 256 px, scaled to the mask's size.
 *
 * @param mask - the mask
 * @param rng - the generator (one draw: the seed of the field's own generator)
 * @param options - `alpha` and `sigma` in pixels at 256 px (default 50 and 7)
 * @returns the deformed mask and its parameters
 */
export function elasticDeform(mask: Mask, rng: Rng, options: { alpha?: number; sigma?: number } = {}): { mask: Mask; params: ElasticParams } {
  const { width: w, height: h } = mask;
  const k = Math.max(w, h) / 256;
  const alpha = (options.alpha ?? 50) * k;
  const sigma = Math.max(0.5, (options.sigma ?? 7) * k);
  const seed = rng.uint32();
  const field = new Float32Array(w * h);
  const ksize = 2 * Math.ceil(3 * sigma) + 1;
  let maxShift = 0;
  const fieldRng = createRng(seed);
  fieldRng.fill(field, -1, 1);
  const dx = gaussianBlur(field, w, h, ksize, sigma);
  fieldRng.fill(field, -1, 1);
  const dy = gaussianBlur(field, w, h, ksize, sigma);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const ux = dx[i]! * alpha;
      const uy = dy[i]! * alpha;
      maxShift = Math.max(maxShift, Math.hypot(ux, uy));
      out[i] = sampleBilinear(mask.data, w, h, 1, x + ux, y + uy, 0);
    }
  }
  return { mask: { data: out, width: w, height: h }, params: { alpha, sigma, seed, maxShift } };
}
