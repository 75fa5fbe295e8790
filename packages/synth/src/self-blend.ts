/**
 * Self-Blended Images (Shiohara & Yamasaki, CVPR 2022): a fake made from one real face by blending
 * a perturbed copy of it into another copy through a deformed, blurred landmark-hull mask.
 *
 * @packageDocumentation
 */
import { requireOption, type Rng } from '@rfm/core';
import type { DecodedImage } from '@rfm/data';
import type { Point } from '@rfm/faces';
import { perturbColour, sampleColourParams, type ColourParams } from './colour-perturbation.js';
import { blendImages, toDecodedImage, toFloatImage, type FloatImage } from './float-image.js';
import { affineWarp, elasticDeform, sampleAffine, type AffineParams, type ElasticParams } from './geometric-warps.js';
import { gaussianBlur } from './gaussian-blur.js';
import { maskArea, type Mask } from './mask.js';
import { faceHullMask, HULL_VARIANTS, type HullVariant } from './region-masks.js';

/** Blend ratios SBI draws from: full-strength blends three times as often as each partial one. */
export const BLEND_RATIOS: readonly number[] = [0.25, 0.5, 0.75, 1, 1, 1];

/** Options of {@link selfBlend}. */
export interface SelfBlendOptions {
  /** Hull variants to draw from. @default all of {@link HULL_VARIANTS} */
  readonly hullVariants?: readonly HullVariant[];
  /**
   * Range of the two blur kernels at 256 px (odd sizes drawn uniformly, scaled to the image size).
   * @default [5, 25]
   */
  readonly kernelRange?: readonly [number, number];
}

/** Everything {@link selfBlend} drew, JSON-serialisable (recorded per image like augmentation params). */
export interface SelfBlendParams {
  /** Always `sbi`. */
  readonly method: 'sbi';
  /** The hull outline. */
  readonly hull: HullVariant;
  /** Which copy was colour/frequency perturbed. */
  readonly perturbed: 'source' | 'target';
  /** The colour and frequency change. */
  readonly colour: ColourParams;
  /** The source's affine transform. */
  readonly affine: AffineParams;
  /** The mask's elastic deformation. */
  readonly elastic: ElasticParams;
  /** The two blur kernel sizes (odd, pixels). */
  readonly kernels: readonly [number, number];
  /** Whether the first blur's interior (value 1) was kept, SBI's erosion step (false when it would leave nothing). */
  readonly eroded: boolean;
  /** The drawn blend ratio, one of {@link BLEND_RATIOS}. */
  readonly blendRatio: number;
  /**
   * How far (pixels) the final mask may reach beyond the landmark hull: the elastic shift plus the
   * second blur's radius plus one pixel of bilinear spread.
   */
  readonly feather: number;
}

/** A synthesised fake with what it was made from; `P` is its parameter record. */
export interface SynthesisedFace<P = SelfBlendParams> {
  /** The fake, 8-bit RGB, the size of the input. */
  readonly fake: DecodedImage;
  /** The blend weight of every pixel, in [0, 1]: `fake = mask * source + (1 - mask) * target`. */
  readonly mask: Mask;
  /** The pixels blended in. */
  readonly source: FloatImage;
  /** The image blended into. */
  readonly target: FloatImage;
  /** Sampled parameters. */
  readonly params: P;
}

/**
 * Odd kernel size drawn uniformly in `[lo, hi]` (at 256 px), scaled to `side`.
 *
 * @param rng - the generator
 * @param range - bounds at 256 px
 * @param side - the image's larger side
 */
export function sampleKernel(rng: Rng, range: readonly [number, number], side: number): number {
  const k = rng.int(range[0], range[1]) * (side / 256);
  return Math.max(3, 2 * Math.floor(k / 2) + 1);
}

/**
 * SBI's blend mask from a binary hull mask: elastic deformation, a first Gaussian blur whose
 * interior (value 1) is kept, a second Gaussian blur, both renormalised to a maximum of 1, then
 * scaled by the blend ratio.
 *
 * @param hull - binary hull mask
 * @param rng - the generator
 * @param options - blur kernel range
 */
export function blendMask(
  hull: Mask,
  rng: Rng,
  options: Pick<SelfBlendOptions, 'kernelRange'> = {},
): { mask: Mask; params: Pick<SelfBlendParams, 'elastic' | 'kernels' | 'eroded' | 'blendRatio' | 'feather'> } {
  const range = options.kernelRange ?? [5, 25];
  requireOption(Number.isInteger(range[0]) && Number.isInteger(range[1]) && range[0] >= 1 && range[1] >= range[0], 'kernelRange', range, 'two integers 1 <= lo <= hi');
  const { width: w, height: h } = hull;
  const side = Math.max(w, h);
  const elastic = elasticDeform(hull, rng);
  const k1 = sampleKernel(rng, range, side);
  const k2 = sampleKernel(rng, range, side);
  const blendRatio = BLEND_RATIOS[rng.int(0, BLEND_RATIOS.length - 1)]!;
  const normalise = (p: Float32Array) => {
    let max = 0;
    for (const v of p) max = Math.max(max, v);
    if (max > 0) for (let i = 0; i < p.length; i++) p[i]! /= max;
    return p;
  };
  const first = normalise(gaussianBlur(elastic.mask.data, w, h, k1));
  const interior = first.map((v) => (v >= 1 - 1e-4 ? 1 : 0));
  const eroded = maskArea({ data: interior, width: w, height: h }) > 0;
  const second = normalise(gaussianBlur(eroded ? interior : first, w, h, k2));
  for (let i = 0; i < second.length; i++) second[i] = second[i]! < 1e-6 ? 0 : second[i]! * blendRatio;
  const feather = Math.ceil(elastic.params.maxShift) + 1 + (k2 - 1) / 2 + (eroded ? 0 : (k1 - 1) / 2);
  return { mask: { data: second, width: w, height: h }, params: { elastic: elastic.params, kernels: [k1, k2], eroded, blendRatio, feather } };
}

/**
 * Makes one self-blended fake: two copies of `image`, one colour/frequency perturbed (even odds),
 * the source copy slightly affine-transformed, blended through {@link blendMask} of a random hull
 * variant: `fake = mask * source + (1 - mask) * target`. Every random draw goes through `rng`.
 *
 * @param image - a real face
 * @param landmarks - its 68 landmarks in the image's pixels (from `@rfm/faces`)
 * @param rng - the generator
 * @param options - hull variants, kernel range
 * @throws `InvalidOptionError` when there are not 68 landmarks or the hull covers no pixel
 * @example
 * ```ts
 * const { fake, mask, params } = selfBlend(image, landmarks, rng.fork());
 * ```
 */
export function selfBlend(image: DecodedImage, landmarks: readonly Point[], rng: Rng, options: SelfBlendOptions = {}): SynthesisedFace {
  const variants = options.hullVariants ?? HULL_VARIANTS;
  requireOption(variants.length > 0 && variants.every((v) => HULL_VARIANTS.includes(v)), 'hullVariants', variants, `a non-empty list of ${HULL_VARIANTS.join(', ')}`);
  const hull = variants[rng.int(0, variants.length - 1)]!;
  const hullM = faceHullMask(landmarks, image.width, image.height, hull);
  requireOption(maskArea(hullM) > 0, 'landmarks', 'a hull covering no pixel', 'landmarks of a face inside the image');
  const perturbed = rng.bernoulli(0.5) ? 'source' : 'target';
  const colour = sampleColourParams(rng);
  const affine = sampleAffine(rng);
  const real = toFloatImage(image);
  let source = perturbed === 'source' ? perturbColour(real, colour) : real;
  const target = perturbed === 'target' ? perturbColour(real, colour) : real;
  source = affineWarp(source, affine);
  const { mask, params } = blendMask(hullM, rng, options);
  const fake = toDecodedImage(blendImages(source, target, mask.data));
  return { fake, mask, source, target, params: { method: 'sbi', hull, perturbed, colour, affine, ...params } };
}
