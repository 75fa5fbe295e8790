/**
 * Options of Random Erasing: user form (all optional), defaults from Zhong et al. (AAAI 2020) and
 * their code, and validation.
 *
 * @packageDocumentation
 */
import { definedOptions, InvalidOptionError, requireOption, validateFill, type FillMode } from '@rfm/core';

/** Options of {@link RandomErasing}. Every field is optional; see {@link RANDOM_ERASING_DEFAULTS}. */
export interface RandomErasingOptions {
  /** Per-image erasing probability p (Bernoulli per image). @default 0.5 */
  readonly probability?: number;
  /** Range `[s_l, s_h]` of the erased area as a fraction of the image area (split between `count` boxes). @default [0.02, 0.4] */
  readonly area?: readonly [number, number];
  /** Range `[r_1, r_2]` of the rectangle's aspect ratio height / width. @default [0.3, 1 / 0.3] */
  readonly aspectRatio?: readonly [number, number];
  /**
   * How the aspect ratio is drawn: `uniform` in `[r_1, r_2]` (the paper and the authors' code) or
   * `log-uniform` (`exp(U(ln r_1, ln r_2))`, as timm and newer torchvision). @default 'uniform'
   */
  readonly aspectSampling?: 'uniform' | 'log-uniform';
  /** Attempts per rectangle before giving up on it (the image then keeps that region). @default 100 */
  readonly maxAttempts?: number;
  /** Rectangles per erased image; each gets `1/count` of the sampled area (timm's multi-box mode). @default 1 */
  readonly count?: number;
  /**
   * What erased pixels become (`@rfm/core` {@link FillMode}). The default, i.i.d. U[-1, 1) in normalised
   * space, is the fill of RFM's SFE, which the RFM paper used for all erasing methods it compared (§4.4).
   * @default 'uniform'
   */
  readonly fill?: FillMode;
}

/** {@link RandomErasingOptions} with every field set and validated. */
export type ResolvedRandomErasingOptions = {
  readonly [K in keyof RandomErasingOptions]-?: NonNullable<RandomErasingOptions[K]>;
};

/**
 * Defaults: p = 0.5, s_l = 0.02, s_h = 0.4, r_1 = 0.3 (Zhong et al., AAAI 2020, §3.1 and the
 * authors' `transforms.py`), 100 attempts (authors' code), one rectangle, RFM's random fill.
 */
export const RANDOM_ERASING_DEFAULTS: ResolvedRandomErasingOptions = Object.freeze({
  probability: 0.5,
  area: Object.freeze([0.02, 0.4] as const),
  aspectRatio: Object.freeze([0.3, 1 / 0.3] as const),
  aspectSampling: 'uniform',
  maxAttempts: 100,
  count: 1,
  fill: 'uniform',
});

/**
 * Fills in defaults and validates every field.
 *
 * @param options - user options
 * @returns resolved options
 * @throws InvalidOptionError naming the field and the rejected value
 * @example
 * ```ts
 * resolveRandomErasingOptions({ probability: 1 }).area; // [0.02, 0.4]
 * ```
 */
export function resolveRandomErasingOptions(options: RandomErasingOptions = {}): ResolvedRandomErasingOptions {
  const o = { ...RANDOM_ERASING_DEFAULTS, ...definedOptions(options) };
  requireOption(isNumber(o.probability) && o.probability >= 0 && o.probability <= 1, 'probability', o.probability, 'a number in [0, 1]');
  const area = range(o.area, 'area', (lo, hi) => lo > 0 && lo <= hi && hi <= 1, '[lo, hi] with 0 < lo <= hi <= 1');
  const aspect = range(o.aspectRatio, 'aspectRatio', (lo, hi) => lo > 0 && lo <= hi, '[lo, hi] with 0 < lo <= hi');
  requireOption(
    o.aspectSampling === 'uniform' || o.aspectSampling === 'log-uniform',
    'aspectSampling',
    o.aspectSampling,
    `'uniform' or 'log-uniform'`,
  );
  requireOption(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1, 'maxAttempts', o.maxAttempts, 'an integer >= 1');
  requireOption(Number.isInteger(o.count) && o.count >= 1, 'count', o.count, 'an integer >= 1');
  return {
    probability: o.probability,
    area,
    aspectRatio: aspect,
    aspectSampling: o.aspectSampling,
    maxAttempts: o.maxAttempts,
    count: o.count,
    fill: validateFill(o.fill),
  };
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function range(
  value: unknown,
  option: string,
  ok: (lo: number, hi: number) => boolean,
  expected: string,
): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !isNumber(value[0]) || !isNumber(value[1]) || !ok(value[0], value[1])) {
    throw new InvalidOptionError(option, value, expected);
  }
  return [value[0], value[1]];
}
