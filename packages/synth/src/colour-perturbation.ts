/**
 * Colour and frequency perturbations that make the two copies of a self-blended face differ: RGB
 * shift, hue / saturation / value shift, brightness / contrast, then either a down-and-up scaling
 * (loses high frequencies) or a sharpening (adds them).
 *
 * @packageDocumentation
 */
import type { Rng } from '@rfm/core';
import { sampleBilinear, type FloatImage } from './float-image.js';

/** What {@link perturbColour} drew. */
export interface ColourParams {
  /** Added to R, G, B (0-255 units). */
  readonly rgbShift: readonly [number, number, number];
  /** Hue rotation, degrees. */
  readonly hueShift: number;
  /** Saturation factor. */
  readonly saturation: number;
  /** Brightness offset as a fraction of 255. */
  readonly brightness: number;
  /** Contrast factor about mid-grey. */
  readonly contrast: number;
  /** The frequency change: `downscale` by `factor` then back up, or `sharpen` with `amount`. */
  readonly frequency: { readonly kind: 'downscale'; readonly factor: number } | { readonly kind: 'sharpen'; readonly amount: number };
}

/**
 * Draws colour and frequency parameters (RGB shift ±20, hue ±10°, saturation ×[0.85, 1.15],
 * brightness and contrast ±10 %, then downscale by 2-4 or sharpen by 0.2-0.5 with even odds).
 *
 * @param rng - the generator
 */
export function sampleColourParams(rng: Rng): ColourParams {
  const rgbShift: [number, number, number] = [rng.uniform(-20, 20), rng.uniform(-20, 20), rng.uniform(-20, 20)];
  const hueShift = rng.uniform(-10, 10);
  const saturation = rng.uniform(0.85, 1.15);
  const brightness = rng.uniform(-0.1, 0.1);
  const contrast = rng.uniform(0.9, 1.1);
  const frequency = rng.bernoulli(0.5)
    ? ({ kind: 'downscale', factor: rng.uniform(2, 4) } as const)
    : ({ kind: 'sharpen', amount: rng.uniform(0.2, 0.5) } as const);
  return { rgbShift, hueShift, saturation, brightness, contrast, frequency };
}

/**
 * Applies colour parameters to an image.
 *
 * @param image - float RGB
 * @param p - the parameters
 * @returns a new image, clipped to [0, 255]
 */
export function perturbColour(image: FloatImage, p: ColourParams): FloatImage {
  const { width: w, height: h } = image;
  const out = new Float32Array(image.data.length);
  // Hue rotation about the grey axis (a rotation in RGB space) with saturation scaling.
  const th = (p.hueShift * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const s3 = Math.sqrt(1 / 3);
  for (let i = 0; i < w * h; i++) {
    const r = image.data[i * 3]! + p.rgbShift[0];
    const g = image.data[i * 3 + 1]! + p.rgbShift[1];
    const b = image.data[i * 3 + 2]! + p.rgbShift[2];
    const grey = (r + g + b) / 3;
    let cr = r - grey;
    let cg = g - grey;
    let cb = b - grey;
    // Rodrigues rotation of the chroma vector about (1,1,1)/sqrt(3).
    // (The chroma vector is orthogonal to the axis, so the axis-parallel term vanishes.)
    const nr = cr * cos + s3 * (cb - cg) * sin;
    const ng = cg * cos + s3 * (cr - cb) * sin;
    const nb = cb * cos + s3 * (cg - cr) * sin;
    cr = nr * p.saturation;
    cg = ng * p.saturation;
    cb = nb * p.saturation;
    const shift = 127.5 + p.brightness * 255;
    const vr = (grey + cr - 127.5) * p.contrast + shift;
    const vg = (grey + cg - 127.5) * p.contrast + shift;
    const vb = (grey + cb - 127.5) * p.contrast + shift;
    out[i * 3] = vr < 0 ? 0 : vr > 255 ? 255 : vr;
    out[i * 3 + 1] = vg < 0 ? 0 : vg > 255 ? 255 : vg;
    out[i * 3 + 2] = vb < 0 ? 0 : vb > 255 ? 255 : vb;
  }
  const coloured = { data: out, width: w, height: h };
  return p.frequency.kind === 'downscale' ? downUpScale(coloured, p.frequency.factor) : sharpen(coloured, p.frequency.amount);
}

/**
 * Box-downscales by `factor` and scales back up bilinearly: a low-pass that removes detail.
 *
 * @param image - float RGB
 * @param factor - > 1
 */
export function downUpScale(image: FloatImage, factor: number): FloatImage {
  const { width: w, height: h } = image;
  const sw = Math.max(1, Math.round(w / factor));
  const sh = Math.max(1, Math.round(h / factor));
  const small = new Float32Array(sw * sh * 3);
  const count = new Float32Array(sw * sh);
  for (let y = 0; y < h; y++) {
    const yy = Math.min(sh - 1, Math.floor((y * sh) / h));
    for (let x = 0; x < w; x++) {
      const xx = Math.min(sw - 1, Math.floor((x * sw) / w));
      const j = yy * sw + xx;
      count[j]!++;
      for (let c = 0; c < 3; c++) small[j * 3 + c]! += image.data[(y * w + x) * 3 + c]!;
    }
  }
  for (let j = 0; j < sw * sh; j++) for (let c = 0; c < 3; c++) small[j * 3 + c]! /= Math.max(1, count[j]!);
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = ((x + 0.5) * sw) / w - 0.5;
      const sy = ((y + 0.5) * sh) / h - 0.5;
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = sampleBilinear(small, sw, sh, 3, sx, sy, c);
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * Unsharp masking with a 3x3 Laplacian: `image + amount * (image - mean of 4-neighbours) * 4`.
 *
 * @param image - float RGB
 * @param amount - strength (0 = none)
 */
export function sharpen(image: FloatImage, amount: number): FloatImage {
  const { width: w, height: h } = image;
  const out = new Float32Array(image.data.length);
  const at = (x: number, y: number, c: number) => image.data[(Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))) * 3 + c]!;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const v = at(x, y, c);
        const lap = 4 * v - at(x - 1, y, c) - at(x + 1, y, c) - at(x, y - 1, c) - at(x, y + 1, c);
        out[(y * w + x) * 3 + c] = Math.min(255, Math.max(0, v + amount * lap));
      }
    }
  }
  return { data: out, width: w, height: h };
}
