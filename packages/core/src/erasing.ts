/**
 * Tensor plumbing shared by every erasing plugin: fill values, rectangle masks and blending.
 * Plugins sample *where* to erase; these helpers do the erasing the same way for all of them.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from './errors.js';
import { normalizePixel, type Normalization } from './normalization.js';
import type { Rng } from './rng.js';

/**
 * What erased pixels become.
 * - `uniform`: i.i.d. U[-1, 1) per pixel and channel in normalised space (the official RFM code).
 * - `integers`: i.i.d. random integers 0..255 per pixel and channel, then normalised (the paper's wording).
 * - `mean`: the normalisation mean, i.e. 0 in normalised space (Random Erasing's "RE-M").
 * - a number: that constant pixel value in 0..255 on every channel, normalised.
 */
export type FillMode = 'uniform' | 'integers' | 'mean' | number;

/**
 * Validates a fill option.
 *
 * @param fill - user value
 * @param option - option name for the error message
 * @throws {@link InvalidOptionError} when the value is not a {@link FillMode}
 */
export function validateFill(fill: unknown, option = 'fill'): FillMode {
  if (fill === 'uniform' || fill === 'integers' || fill === 'mean') return fill;
  if (typeof fill === 'number' && Number.isFinite(fill) && fill >= 0 && fill <= 255) return fill;
  throw new InvalidOptionError(option, fill, `'uniform', 'integers', 'mean' or a pixel value in [0, 255]`);
}

/**
 * Fill values for a whole batch, `[B, H, W, C]` float32 in normalised space, drawn from `rng`.
 *
 * @param shape - batch shape
 * @param fill - fill mode
 * @param rng - seeded generator (unused for constant fills)
 * @param norm - normalisation of the batch
 */
export function sampleFill(
  shape: readonly [number, number, number, number],
  fill: FillMode,
  rng: Rng,
  norm: Normalization,
): tf.Tensor4D {
  const [b, h, w, c] = shape;
  const n = b * h * w * c;
  if (fill === 'uniform') return tf.tensor4d(rng.fill(new Float32Array(n), -1, 1), [b, h, w, c]);
  if (fill === 'integers') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = normalizePixel(Math.floor(rng.next() * 256), i % c, norm);
    return tf.tensor4d(out, [b, h, w, c]);
  }
  const channelValues = Array.from({ length: c }, (_, ch) =>
    fill === 'mean' ? 0 : normalizePixel(fill, ch, norm),
  );
  return tf.tidy(() => tf.tile(tf.reshape(tf.tensor1d(channelValues), [1, 1, 1, c]), [b, h, w, 1]) as tf.Tensor4D);
}

/**
 * Replaces the pixels where `keep` is 0 by fill values: `x·m + fill·(1 - m)`.
 *
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @param keep - `B·H·W` mask, 1 = keep, 0 = erase
 * @param fill - fill mode
 * @param rng - seeded generator
 * @param norm - normalisation of the batch
 * @returns the erased batch and the mask as `[B, H, W, 1]`, both new tensors
 */
export function eraseWithMask(
  images: tf.Tensor4D,
  keep: Float32Array,
  fill: FillMode,
  rng: Rng,
  norm: Normalization,
): { images: tf.Tensor4D; mask: tf.Tensor4D } {
  const [b, h, w, c] = images.shape;
  if (keep.length !== b * h * w) {
    throw new RangeError(`eraseWithMask: mask has ${keep.length} values, batch needs ${b}x${h}x${w} = ${b * h * w}`);
  }
  const mask = tf.tensor4d(keep, [b, h, w, 1]);
  const anyErased = keep.some((v) => v === 0);
  if (!anyErased) return { images: images.clone(), mask };
  const noise = sampleFill([b, h, w, c], fill, rng, norm);
  const erased = tf.tidy(() => tf.add(tf.mul(images, mask), tf.mul(noise, tf.sub(1, mask))) as tf.Tensor4D);
  noise.dispose();
  return { images: erased, mask };
}

/** A half-open rectangle `[top, bottom) x [left, right)` in pixels. */
export interface PixelRect {
  /** First row. */
  readonly top: number;
  /** One past the last row. */
  readonly bottom: number;
  /** First column. */
  readonly left: number;
  /** One past the last column. */
  readonly right: number;
}

/**
 * Sets `keep` to 0 inside `rect` (clipped to the image) for image `index`.
 *
 * @param keep - `B·H·W` mask
 * @param index - image index
 * @param height - image height H
 * @param width - image width W
 * @param rect - rectangle to erase; empty rectangles erase nothing
 */
export function eraseRect(keep: Float32Array, index: number, height: number, width: number, rect: PixelRect): void {
  const top = Math.max(0, rect.top);
  const bottom = Math.min(height, rect.bottom);
  const left = Math.max(0, rect.left);
  const right = Math.min(width, rect.right);
  if (bottom <= top || right <= left) return;
  const base = index * height * width;
  for (let r = top; r < bottom; r++) keep.fill(0, base + r * width + left, base + r * width + right);
}

/**
 * One Bernoulli(p) draw per image (Algorithm 1 line 1: erase iff `Rand(0,1) <= p`).
 * Always draws `count` numbers so the stream does not depend on p.
 *
 * @param rng - seeded generator
 * @param count - number of images
 * @param p - erasing probability in [0, 1]
 */
export function sampleErased(rng: Rng, count: number, p: number): boolean[] {
  return Array.from({ length: count }, () => rng.next() < p || p >= 1);
}
