/**
 * Float RGB images (0-255 range, interleaved) for blending arithmetic, and conversion to and from
 * `@rfm/data`'s 8-bit `DecodedImage`.
 *
 * @packageDocumentation
 */
import type { DecodedImage } from '@rfm/data';

/** An RGB image with float samples in [0, 255], interleaved row-major. */
export interface FloatImage {
  /** `width * height * 3` values. */
  readonly data: Float32Array;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
}

/**
 * Float copy of an 8-bit image.
 *
 * @param image - decoded RGB
 */
export function toFloatImage(image: DecodedImage): FloatImage {
  return { data: Float32Array.from(image.data), width: image.width, height: image.height };
}

/**
 * 8-bit image from floats (rounded half up, clipped to 0..255).
 *
 * @param image - float RGB
 */
export function toDecodedImage(image: FloatImage): DecodedImage {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.floor(image.data[i]! + 0.5);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { data: out, width: image.width, height: image.height };
}

/**
 * Bilinear sample of channel `c` at `(x, y)` (pixel-centre coordinates), border replicated.
 *
 * @param data - interleaved samples
 * @param width - columns
 * @param height - rows
 * @param channels - samples per pixel
 * @param x - column coordinate
 * @param y - row coordinate
 * @param c - channel
 */
export function sampleBilinear(data: Float32Array, width: number, height: number, channels: number, x: number, y: number, c: number): number {
  const cx = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
  const cy = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = x0 + 1 < width ? x0 + 1 : width - 1;
  const y1 = y0 + 1 < height ? y0 + 1 : height - 1;
  const fx = cx - x0;
  const fy = cy - y0;
  const r0 = y0 * width;
  const r1 = y1 * width;
  const a = data[(r0 + x0) * channels + c]!;
  const b = data[(r0 + x1) * channels + c]!;
  const d = data[(r1 + x0) * channels + c]!;
  const e = data[(r1 + x1) * channels + c]!;
  return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * d + fx * e);
}

/**
 * `mask * source + (1 - mask) * target`, per pixel.
 *
 * @param source - the pixels blended in
 * @param target - the image blended into (same size)
 * @param mask - weights in [0, 1], one per pixel
 * @returns a new image; where `mask` is 0 it equals `target` exactly
 */
export function blendImages(source: FloatImage, target: FloatImage, mask: Float32Array): FloatImage {
  const out = new Float32Array(target.data.length);
  for (let p = 0; p < mask.length; p++) {
    const m = mask[p]!;
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      out[i] = m === 0 ? target.data[i]! : m * source.data[i]! + (1 - m) * target.data[i]!;
    }
  }
  return { data: out, width: target.width, height: target.height };
}
