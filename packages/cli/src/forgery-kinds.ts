/**
 * What kind of forgery a technique name stands for: a whole-face one-stage fake (GAN), a fake
 * blended from real faces (`rfm synth`: `sbi`, `blend`) or a less-forgery fake whose region was
 * replaced by a real face's pixels (`rfm less-forgery`: `less-eyes`...). The report groups its
 * per-region table and its average attention maps by these kinds.
 *
 * @packageDocumentation
 */
import { REAL_TECHNIQUE } from '@rfm/data';
import { FACE_REGIONS, LESS_FORGERY_PREFIX, SYNTH_METHODS, type FaceRegion } from '@rfm/synth';

/** Kinds of fake: `one-stage` (any other technique), `blended` (synthesised from reals), `less-forgery` (one region swapped). */
export type ForgeryKind = 'one-stage' | 'blended' | 'less-forgery';

/**
 * The face region a less-forgery technique name replaces (`less-eyes` → `eyes`), `undefined` for
 * any other name.
 *
 * @param technique - technique name
 */
export function lessForgeryRegion(technique: string): FaceRegion | undefined {
  if (!technique.startsWith(LESS_FORGERY_PREFIX)) return undefined;
  const region = technique.slice(LESS_FORGERY_PREFIX.length);
  return (FACE_REGIONS as readonly string[]).includes(region) ? (region as FaceRegion) : undefined;
}

/**
 * The kind of a fake technique; `undefined` for `real`.
 *
 * @param technique - technique name
 */
export function forgeryKind(technique: string): ForgeryKind | undefined {
  if (technique === REAL_TECHNIQUE) return undefined;
  if (lessForgeryRegion(technique)) return 'less-forgery';
  if ((SYNTH_METHODS as readonly string[]).includes(technique)) return 'blended';
  return 'one-stage';
}

/**
 * Whether a fake carries a blending boundary (synthesised blends and less-forgery region swaps),
 * as the paper's two-stage forgeries do; the report's "blended" attention group.
 *
 * @param technique - a fake technique name
 */
export function hasBlendBoundary(technique: string): boolean {
  const kind = forgeryKind(technique);
  return kind === 'blended' || kind === 'less-forgery';
}

/** The report's attention column of the one-stage fakes taken together. */
export const ONE_STAGE_GROUP = 'all one-stage fakes';

/** The report's attention column of the fakes with a blending boundary taken together. */
export const BLENDED_GROUP = 'all blended fakes';
