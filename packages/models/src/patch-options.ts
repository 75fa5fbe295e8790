/**
 * Options of the Patch backbone (Chai et al., ECCV 2020: a truncated Xception with a 1x1 head).
 *
 * @packageDocumentation
 */
import { type BatchNormKind, definedOptions, type PatchScore, requireBatchNormKind, requireOption } from '@rfm/core';
import {
  type InitScheme,
  type PoolPadding,
  rejectUnknownOptions,
  requireInitScheme,
  requireInteger,
  requirePoolPadding,
  requireWidthMultiplier,
} from './option-checks.js';
import type { XceptionTrunkOptions } from './xception-options.js';

/** Options of {@link createPatchBackbone}; every field is optional. */
export interface PatchOptions extends XceptionTrunkOptions {
  /**
   * Cut after Xception block K (1..5); patch-forensics' `xception_blockK`. Receptive field 19, 43,
   * 91, 187, 283 px; output grid at 224 px 55, 28, 14, 14, 14. @default 2
   */
  readonly cut?: number;
  /** Square input side in pixels (any integer >= 7). @default 224 */
  readonly inputSize?: number;
  /** Number of classes of the 1x1 head. @default 2 */
  readonly numClasses?: number;
  /**
   * How per-patch logits become one image score (stored in the config; core's `fakeProbability`
   * applies it): mean of per-patch softmax, softmax of mean logits, or majority vote.
   * @default 'after-softmax'
   */
  readonly patchScore?: PatchScore;
}

/** Resolved Patch options. */
export type ResolvedPatchOptions = Required<PatchOptions>;

/** Defaults of {@link PatchOptions}: `xception_block2` (patch-forensics' README model) at RFM's 224 px. */
export const PATCH_DEFAULTS: ResolvedPatchOptions = {
  cut: 2,
  inputSize: 224,
  numClasses: 2,
  widthMultiplier: 1,
  poolPadding: 'symmetric',
  init: 'pytorch',
  batchNorm: 'fused',
  patchScore: 'after-softmax',
};

/** Largest cut: block5 (the second middle-flow block). */
export const PATCH_MAX_CUT = 5;

/** Smallest input side giving a non-empty output grid (conv1 and conv2 are unpadded). */
export const PATCH_MIN_INPUT_SIZE = 7;

/**
 * Fills in the defaults and validates every field.
 *
 * @param options - user options (unknown keys are rejected)
 * @throws `InvalidOptionError` naming the field, the bad value and what is accepted
 */
export function resolvePatchOptions(options: PatchOptions = {}): ResolvedPatchOptions {
  rejectUnknownOptions(options, Object.keys(PATCH_DEFAULTS), 'patch');
  const o = { ...PATCH_DEFAULTS, ...definedOptions(options) };
  requireOption(
    typeof o.cut === 'number' && Number.isInteger(o.cut) && o.cut >= 1 && o.cut <= PATCH_MAX_CUT,
    'patch.cut',
    o.cut,
    `an integer in [1, ${PATCH_MAX_CUT}] (the Xception block after which the network is cut)`,
  );
  requireInteger('patch.inputSize', o.inputSize, PATCH_MIN_INPUT_SIZE);
  requireInteger('patch.numClasses', o.numClasses, 2);
  requireWidthMultiplier('patch.widthMultiplier', o.widthMultiplier);
  requirePoolPadding('patch.poolPadding', o.poolPadding);
  requireInitScheme('patch.init', o.init);
  requireBatchNormKind('patch.batchNorm', o.batchNorm);
  requireOption(
    o.patchScore === 'after-softmax' || o.patchScore === 'before-softmax' || o.patchScore === 'vote',
    'patch.patchScore',
    o.patchScore,
    `'after-softmax', 'before-softmax' or 'vote'`,
  );
  return o;
}
