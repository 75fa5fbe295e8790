/**
 * Crop, flip and normalise a cached 8-bit image straight into a batch buffer. Parameters are
 * sampled first (from the injected {@link Rng}) and applied second, so they can be logged or replayed.
 *
 * @packageDocumentation
 */
import { ShapeMismatchError, type Normalization, type Rng } from '@rfm/core';
import type { DecodedImage } from './decode-image.js';
import type { ResolvedTransformOptions } from './transform-options.js';

/** Where to crop and whether to flip one image. */
export interface TransformParams {
  /** Row offset of the crop in the resized image. */
  readonly top: number;
  /** Column offset of the crop. */
  readonly left: number;
  /** Mirror the crop left-right. */
  readonly flip: boolean;
}

/**
 * Training parameters, drawn in this order: `top = rng.int(0, H − h)`, `left = rng.int(0, W − w)`
 * (torchvision `RandomCrop`), then `flip = rng.bernoulli(p)` (`RandomHorizontalFlip`). Always three
 * draws, whatever the options, so the stream stays aligned.
 *
 * @param rng - the seeded generator
 * @param t - resolved transform options
 */
export function sampleTrainParams(rng: Rng, t: ResolvedTransformOptions): TransformParams {
  const top = rng.int(0, t.resize[0] - t.crop[0]);
  const left = rng.int(0, t.resize[1] - t.crop[1]);
  const flip = rng.bernoulli(t.flip);
  return { top, left, flip };
}

/**
 * Evaluation parameters: the centred crop of torchvision's `CenterCrop` (offset
 * `round((H − h)/2)` with Python's round-half-even; 16 for 224 from 256), no flip.
 *
 * @param t - resolved transform options
 */
export function centerParams(t: ResolvedTransformOptions): TransformParams {
  return { top: roundHalfEven((t.resize[0] - t.crop[0]) / 2), left: roundHalfEven((t.resize[1] - t.crop[1]) / 2), flip: false };
}

/**
 * Table of the 3·256 normalised values `(v/255 − mean[c]) / std[c]` (float64 maths, stored float32).
 *
 * @param norm - normalisation
 */
export function normalizationTable(norm: Normalization): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - norm.mean[c]!) / norm.std[c]!;
  }
  return lut;
}

/**
 * Writes the crop (flipped if asked) of `image`, normalised, into `out` at `offset` as HWC float32.
 *
 * @param image - image of the resolved `resize` size
 * @param params - crop offsets and flip
 * @param t - resolved transform options
 * @param lut - {@link normalizationTable} of `t.normalization`
 * @param out - destination, e.g. a `[B, h, w, 3]` batch buffer
 * @param offset - first index written (`b * h * w * 3` for image b)
 * @throws `ShapeMismatchError` when the image does not have the `resize` size
 */
export function writeTransformed(
  image: DecodedImage,
  params: TransformParams,
  t: ResolvedTransformOptions,
  lut: Float32Array,
  out: Float32Array,
  offset: number,
): void {
  const [H, W] = t.resize;
  const [h, w] = t.crop;
  if (image.height !== H || image.width !== W) {
    throw new ShapeMismatchError(`image is ${image.height}x${image.width}, the transforms expect the resize size ${H}x${W}`);
  }
  if (params.top < 0 || params.left < 0 || params.top + h > H || params.left + w > W) {
    throw new ShapeMismatchError(`crop ${h}x${w} at (${params.top}, ${params.left}) leaves the ${H}x${W} image`);
  }
  const src = image.data;
  let o = offset;
  for (let y = 0; y < h; y++) {
    const row = (params.top + y) * W;
    for (let x = 0; x < w; x++) {
      const sx = params.flip ? params.left + w - 1 - x : params.left + x;
      const s = (row + sx) * 3;
      out[o++] = lut[src[s]!]!;
      out[o++] = lut[256 + src[s + 1]!]!;
      out[o++] = lut[512 + src[s + 2]!]!;
    }
  }
}

/**
 * Python-style rounding: halves go to the even neighbour.
 *
 * @param x - value
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}
