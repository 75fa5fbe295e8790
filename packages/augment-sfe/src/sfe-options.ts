/**
 * Options of Suspicious Forgeries Erasing (paper §3.2, Algorithm 1, §4.2; spec §2.7-§2.9, §2.14).
 *
 * @packageDocumentation
 */
import { definedOptions, requireOption, validateFill, type FillMode } from '@rfm/core';

/** User options of {@link SuspiciousForgeriesErasing}; every field is optional. */
export interface SfeOptions {
  /**
   * N, the number of blocks per erased image (Algorithm 1; paper §4.2). `1` with attention anchors
   * is Table 1's "w/ FAM" ablation.
   * @default 3
   */
  readonly blocks?: number;
  /**
   * p, the per-image erasing probability (Algorithm 1 line 1: erase iff Rand(0,1) <= p). The
   * official code has no p, i.e. 1. Table 4 also explores 0.5.
   * @default 1
   */
  readonly probability?: number;
  /**
   * H_max, the largest block height. A value >= 1 is an absolute number of pixels, used as is
   * whatever the input size (120 is the paper's value at 224x224). A value in (0, 1) is a fraction
   * of the image height, rounded to whole pixels (at least 1): `120 / 224` behaves like the paper
   * at any input size. Blocks are clipped at the image border.
   * @default 120
   */
  readonly maxHeight?: number;
  /**
   * W_max, the largest block width; absolute pixels when >= 1, a fraction of the width when in (0, 1).
   * @default 120
   */
  readonly maxWidth?: number;
  /**
   * Block geometry around an anchor.
   * - `code` (official `train.py`, spec §2.7): side lengths uniform in 1..max, then an offset
   *   uniform in 1..side above/left of the anchor; rows `[row - sh, row - sh + mh)`. About 8.7 % of
   *   blocks do not cover their own anchor (when the offset equals the side), as in the code.
   * - `paper` (Algorithm 1): a block of exactly H_max x W_max at a random offset
   *   (`H_t = Rand(1, H_max)`, rows `[row - H_t, row + H_max - H_t)`).
   * @default 'code'
   */
  readonly geometry?: 'code' | 'paper';
  /** What erased pixels become (see `FillMode` in `@rfm/core`); the code's U[-1, 1) in normalised space. @default 'uniform' */
  readonly fill?: FillMode;
  /**
   * Where blocks are anchored: `attention` = the highest Forgery Attention Map pixels not yet covered
   * (SFE); `random` = uniformly random uncovered pixels (Table 1 "w/ MEB"; with `blocks: 1`, "w/o MEB|FAM").
   * @default 'attention'
   */
  readonly anchors?: 'attention' | 'random';
}

/** {@link SfeOptions} with every field present and validated. */
export type ResolvedSfeOptions = { readonly [K in keyof SfeOptions]-?: NonNullable<SfeOptions[K]> };

/** The paper's defaults (§4.2: N = 3, p = 1, H_max = W_max = 120) and the official code's geometry and fill. */
export const SFE_DEFAULTS: ResolvedSfeOptions = Object.freeze({
  blocks: 3,
  probability: 1,
  maxHeight: 120,
  maxWidth: 120,
  geometry: 'code',
  fill: 'uniform',
  anchors: 'attention',
});

/**
 * Fills in defaults and validates ranges.
 *
 * @param options - user options
 * @returns every option, validated
 * @throws `InvalidOptionError` naming the option and the bad value
 * @example
 * ```ts
 * resolveSfeOptions({ blocks: 1 }); // { blocks: 1, probability: 1, maxHeight: 120, ... }
 * ```
 */
export function resolveSfeOptions(options: SfeOptions = {}): ResolvedSfeOptions {
  const o = { ...SFE_DEFAULTS, ...definedOptions(options) };
  requireOption(Number.isInteger(o.blocks) && o.blocks >= 1, 'blocks', o.blocks, 'an integer >= 1');
  requireOption(typeof o.probability === 'number' && o.probability >= 0 && o.probability <= 1, 'probability', o.probability, 'a number in [0, 1]');
  for (const name of ['maxHeight', 'maxWidth'] as const) {
    const v = o[name];
    requireOption(
      typeof v === 'number' && Number.isFinite(v) && v > 0 && (v < 1 || Number.isInteger(v)),
      name,
      v,
      'an integer number of pixels >= 1, or a fraction of the image size in (0, 1)',
    );
  }
  requireOption(o.geometry === 'code' || o.geometry === 'paper', 'geometry', o.geometry, `'code' or 'paper'`);
  requireOption(o.anchors === 'attention' || o.anchors === 'random', 'anchors', o.anchors, `'attention' or 'random'`);
  return Object.freeze({ ...o, fill: validateFill(o.fill) });
}

/**
 * A block size option in pixels for an image side: absolute when >= 1, a fraction of `side` when below 1.
 *
 * @param value - `maxHeight` or `maxWidth`
 * @param side - image height or width
 */
export function blockSideInPixels(value: number, side: number): number {
  return value >= 1 ? value : Math.max(1, Math.round(value * side));
}
