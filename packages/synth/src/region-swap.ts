/**
 * The less-forgery operation (paper §4.4, Table 6): one region of a fake face replaced by the
 * aligned pixels of a real face.
 *
 * @packageDocumentation
 */
import type { DecodedImage } from '@rfm/data';
import type { Point } from '@rfm/faces';
import { warpOnto } from './face-alignment.js';
import { blendImages, toDecodedImage, toFloatImage } from './float-image.js';
import { gaussianBlur } from './gaussian-blur.js';
import type { Mask } from './mask.js';
import { regionMasks, type FaceRegion } from './region-masks.js';
import type { SynthesisedFace } from './self-blend.js';

/** What {@link swapRegion} did. */
export interface RegionSwapParams {
  /** Always `less-forgery`. */
  readonly method: 'less-forgery';
  /** The replaced region. */
  readonly region: FaceRegion;
  /** The real face the pixels came from. */
  readonly donor: string;
  /** The feathering kernel (odd, pixels). */
  readonly kernel: number;
}

/**
 * Replaces `region` of `face` with the pixels of `donor` aligned onto it (68-landmark similarity),
 * through the region mask softened by a small Gaussian (kernel 3 px at 256 px, odd).
 *
 * @param face - the fake face
 * @param landmarks - its 68 landmarks
 * @param region - eyes, nose, mouth or skin
 * @param donor - a real face with its landmarks and id
 * @returns the new face, the blend mask, and the record
 */
export function swapRegion(
  face: DecodedImage,
  landmarks: readonly Point[],
  region: FaceRegion,
  donor: { readonly id: string; readonly image: DecodedImage; readonly landmarks: readonly Point[] },
): SynthesisedFace<RegionSwapParams> {
  const { width: w, height: h } = face;
  const binary = regionMasks(landmarks, w, h)[region];
  const kernel = Math.max(3, 2 * Math.floor((3 * Math.max(w, h)) / 256 / 2) + 1);
  const soft = gaussianBlur(binary.data, w, h, kernel);
  for (let i = 0; i < soft.length; i++) if (soft[i]! < 1e-6) soft[i] = 0;
  const mask: Mask = { data: soft, width: w, height: h };
  const target = toFloatImage(face);
  const source = warpOnto(toFloatImage(donor.image), donor.landmarks, landmarks, w, h).image;
  const fake = toDecodedImage(blendImages(source, target, soft));
  return { fake, mask, source, target, params: { method: 'less-forgery', region, donor: donor.id, kernel } };
}
