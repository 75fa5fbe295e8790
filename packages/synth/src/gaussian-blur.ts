/**
 * Separable Gaussian blur of single-channel float planes.
 *
 * @packageDocumentation
 */
import { requireOption } from '@rfm/core';

/**
 * The Gaussian sigma OpenCV derives from an odd kernel size when none is given:
 * `0.3 * ((k - 1) / 2 - 1) + 0.8`.
 *
 * @param kernelSize - odd size >= 1
 */
export function sigmaForKernel(kernelSize: number): number {
  return 0.3 * ((kernelSize - 1) * 0.5 - 1) + 0.8;
}

/**
 * Normalised 1D Gaussian weights.
 *
 * @param kernelSize - odd size >= 1
 * @param sigma - standard deviation (default {@link sigmaForKernel})
 * @throws `InvalidOptionError` for an even or non-positive size
 */
export function gaussianKernel(kernelSize: number, sigma = sigmaForKernel(kernelSize)): Float32Array {
  requireOption(Number.isInteger(kernelSize) && kernelSize >= 1 && kernelSize % 2 === 1, 'kernelSize', kernelSize, 'an odd integer >= 1');
  const r = (kernelSize - 1) / 2;
  const k = new Float32Array(kernelSize);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/**
 * Blurs a `width x height` plane with a separable Gaussian; the border is reflected (OpenCV's
 * `BORDER_REFLECT_101`), so a constant plane stays constant.
 *
 * @param plane - row-major values (not modified)
 * @param width - columns
 * @param height - rows
 * @param kernelSize - odd kernel side
 * @param sigma - standard deviation (default {@link sigmaForKernel})
 * @returns a new plane
 */
export function gaussianBlur(plane: Float32Array, width: number, height: number, kernelSize: number, sigma?: number): Float32Array {
  const k = gaussianKernel(kernelSize, sigma);
  const r = (k.length - 1) / 2;
  const reflect = (i: number, n: number): number => {
    if (n === 1) return 0;
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * n - 2 - j;
    return j;
  };
  const tmp = new Float32Array(plane.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = -r; t <= r; t++) acc += k[t + r]! * plane[row + reflect(x + t, width)]!;
      tmp[row + x] = acc;
    }
  }
  const out = new Float32Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = -r; t <= r; t++) acc += k[t + r]! * tmp[reflect(y + t, height) * width + x]!;
      out[y * width + x] = acc;
    }
  }
  return out;
}
