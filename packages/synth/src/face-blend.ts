/**
 * Blends between two people in the manner of Face X-ray (Li et al., CVPR 2020): the donor with the
 * nearest landmarks among other identities, aligned by the landmark similarity transform, colour
 * matched inside the mask and blended through a randomly eroded or dilated, feathered hull.
 *
 * @packageDocumentation
 */
import { requireOption, type Rng } from '@rfm/core';
import type { DecodedImage } from '@rfm/data';
import type { Point } from '@rfm/faces';
import { matchColours, normaliseShape, shapeDistance, warpOnto, type ColourMatch } from './face-alignment.js';
import { blendImages, toDecodedImage, toFloatImage } from './float-image.js';
import { gaussianBlur } from './gaussian-blur.js';
import { maskArea, morphMask, type Mask } from './mask.js';
import { faceHullMask, HULL_VARIANTS, type HullVariant } from './region-masks.js';
import { sampleKernel, type SynthesisedFace } from './self-blend.js';

/** A face that may give its pixels. */
export interface DonorFace {
  /** Its id (recorded). */
  readonly id: string;
  /** Its identity (video, person); donors of the target's identity are never used. */
  readonly identity: string;
  /** Pixels. */
  readonly image: DecodedImage;
  /** 68 landmarks in its pixels. */
  readonly landmarks: readonly Point[];
}

/** Options of {@link faceBlend}. */
export interface FaceBlendOptions {
  /** Draw the donor among this many nearest shapes. @default 5 */
  readonly nearest?: number;
  /** Largest erosion/dilation of the hull, as a fraction of the image side. @default 0.04 */
  readonly morphRange?: number;
  /** Range of the feathering blur kernel at 256 px. @default [5, 25] */
  readonly kernelRange?: readonly [number, number];
  /** Hull variants to draw from. @default all of {@link HULL_VARIANTS} */
  readonly hullVariants?: readonly HullVariant[];
}

/** What {@link faceBlend} drew and measured, JSON-serialisable. */
export interface FaceBlendParams {
  /** Always `blend`. */
  readonly method: 'blend';
  /** The donor's id. */
  readonly donor: string;
  /** Its rank among the nearest shapes (0 = nearest). */
  readonly donorRank: number;
  /** The hull outline. */
  readonly hull: HullVariant;
  /** Erosion (< 0) or dilation (> 0) of the hull, pixels. */
  readonly morph: number;
  /** The feathering kernel (odd, pixels). */
  readonly kernel: number;
  /** How far the mask may reach beyond the hull, pixels (dilation plus kernel radius). */
  readonly feather: number;
  /** The colour transfer. */
  readonly colour: ColourMatch;
}

/**
 * Makes a blend of `donors`' nearest face into `target`.
 *
 * @param target - the face that keeps its surroundings
 * @param targetLandmarks - its 68 landmarks
 * @param targetIdentity - its identity (donors of it are skipped)
 * @param donors - candidate faces of other people
 * @param rng - the generator
 * @param options - donor choice, mask shape
 * @throws `InvalidOptionError` when no donor of another identity exists
 */
export function faceBlend(
  target: DecodedImage,
  targetLandmarks: readonly Point[],
  targetIdentity: string,
  donors: readonly DonorFace[],
  rng: Rng,
  options: FaceBlendOptions = {},
): SynthesisedFace<FaceBlendParams> {
  const others = donors.filter((d) => d.identity !== targetIdentity);
  requireOption(others.length > 0, 'donors', `${donors.length} face(s), none of another identity than ${targetIdentity}`, 'at least one face of another person');
  const shape = normaliseShape(targetLandmarks);
  const ranked = others.map((d) => ({ d, dist: shapeDistance(shape, normaliseShape(d.landmarks)) })).sort((a, b) => a.dist - b.dist || (a.d.id < b.d.id ? -1 : 1));
  const k = Math.min(options.nearest ?? 5, ranked.length);
  const donorRank = rng.int(0, k - 1);
  const donor = ranked[donorRank]!.d;
  const { width: w, height: h } = target;
  const variants = options.hullVariants ?? HULL_VARIANTS;
  const hull = variants[rng.int(0, variants.length - 1)]!;
  const maxMorph = Math.max(1, Math.round((options.morphRange ?? 0.04) * Math.max(w, h)));
  const morph = rng.int(-maxMorph, maxMorph);
  const kernel = sampleKernel(rng, options.kernelRange ?? [5, 25], Math.max(w, h));
  let binary = morphMask(faceHullMask(targetLandmarks, w, h, hull), morph);
  if (maskArea(binary) === 0) binary = faceHullMask(targetLandmarks, w, h, hull);
  const blurred = gaussianBlur(binary.data, w, h, kernel);
  for (let i = 0; i < blurred.length; i++) if (blurred[i]! < 1e-6) blurred[i] = 0;
  const mask: Mask = { data: blurred, width: w, height: h };
  const targetF = toFloatImage(target);
  const aligned = warpOnto(toFloatImage(donor.image), donor.landmarks, targetLandmarks, w, h).image;
  const { image: source, match } = matchColours(aligned, targetF, binary);
  const fake = toDecodedImage(blendImages(source, targetF, mask.data));
  const feather = Math.max(0, morph) + (kernel - 1) / 2;
  return { fake, mask, source, target: targetF, params: { method: 'blend', donor: donor.id, donorRank, hull, morph, kernel, feather, colour: match } };
}
