/**
 * Options of Adversarial Erasing: user form (all optional), defaults, and validation. Every
 * default below is an assumption: the RFM paper only says AE used its "original settings" and
 * random-integer fills (§4.4); see the package README and spec §6.2.
 *
 * @packageDocumentation
 */
import { InvalidOptionError, requireOption, validateFill, type FillMode } from '@rfm/core';

/**
 * Which pixels of the per-image min-max normalised CAM are erased:
 * - `{ kind: 'top-fraction', value: f }`: the top fraction f of the image's pixels, i.e. every pixel
 *   at or above the k-th largest value with `k = ceil(f · H · W)` (ties at the cut-off are erased too);
 * - `{ kind: 'value', value: v }`: every pixel whose normalised CAM is at least v.
 */
export type AdversarialErasingThreshold =
  | { readonly kind: 'top-fraction'; readonly value: number }
  | { readonly kind: 'value'; readonly value: number };

/** Options of {@link AdversarialErasing}. Every field is optional; see {@link ADVERSARIAL_ERASING_DEFAULTS}. */
export interface AdversarialErasingOptions {
  /** Per-image erasing probability p (assumed 1, like RFM's SFE: every image of every batch). @default 1 */
  readonly probability?: number;
  /** Erasure threshold on the normalised CAM (assumed: the top 20 % of each image's map). @default { kind: 'top-fraction', value: 0.2 } */
  readonly threshold?: AdversarialErasingThreshold;
  /**
   * Class whose CAM is erased: `label` = each image's ground-truth class (Wei et al.'s convention),
   * `fake-minus-real` = the CAM of the logit gap `O_fake - O_real` (closer to RFM's FAM). @default 'label'
   */
  readonly camClass?: 'label' | 'fake-minus-real';
  /**
   * What erased pixels become (`@rfm/core` {@link FillMode}): RFM's U[-1, 1) noise by default, as the
   * paper filled every compared method with "random integers" (§4.4), instead of AE's mean pixel. @default 'uniform'
   */
  readonly fill?: FillMode;
}

/** {@link AdversarialErasingOptions} with every field set and validated. */
export type ResolvedAdversarialErasingOptions = {
  readonly [K in keyof AdversarialErasingOptions]-?: NonNullable<AdversarialErasingOptions[K]>;
};

/** Defaults (all assumptions, spec §6.2): p = 1, top 20 % of the ground-truth-class CAM, RFM's random fill. */
export const ADVERSARIAL_ERASING_DEFAULTS: ResolvedAdversarialErasingOptions = Object.freeze({
  probability: 1,
  threshold: Object.freeze({ kind: 'top-fraction', value: 0.2 } as const),
  camClass: 'label',
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
 * resolveAdversarialErasingOptions({ threshold: { kind: 'value', value: 0.8 } }).camClass; // 'label'
 * ```
 */
export function resolveAdversarialErasingOptions(
  options: AdversarialErasingOptions = {},
): ResolvedAdversarialErasingOptions {
  const probability = options.probability ?? ADVERSARIAL_ERASING_DEFAULTS.probability;
  const threshold = options.threshold ?? ADVERSARIAL_ERASING_DEFAULTS.threshold;
  const camClass = options.camClass ?? ADVERSARIAL_ERASING_DEFAULTS.camClass;
  requireOption(
    typeof probability === 'number' && probability >= 0 && probability <= 1,
    'probability',
    probability,
    'a number in [0, 1]',
  );
  const kind = (threshold as { kind?: unknown } | null)?.kind;
  const value = (threshold as { value?: unknown } | null)?.value;
  if (kind !== 'top-fraction' && kind !== 'value') {
    throw new InvalidOptionError('threshold', threshold, `{ kind: 'top-fraction' | 'value', value: number in (0, 1] }`);
  }
  requireOption(typeof value === 'number' && value > 0 && value <= 1, 'threshold.value', value, 'a number in (0, 1]');
  requireOption(camClass === 'label' || camClass === 'fake-minus-real', 'camClass', camClass, `'label' or 'fake-minus-real'`);
  return {
    probability,
    threshold: { kind, value },
    camClass,
    fill: validateFill(options.fill ?? ADVERSARIAL_ERASING_DEFAULTS.fill),
  };
}
