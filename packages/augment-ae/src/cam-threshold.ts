/**
 * The thresholding step of Adversarial Erasing on one image's normalised CAM: a pure function,
 * so the erased region is checkable without a model.
 *
 * @packageDocumentation
 */
import type { AdversarialErasingThreshold } from './adversarial-erasing-options.js';

/**
 * The cut-off of one image: pixels with `map >= cutoff` are erased. Returns null for a constant
 * map (min-max normalisation leaves it all zeros, so there is no discriminative region to erase).
 *
 * @param map - one image's CAM, min-max normalised to [0, 1], `H·W` values
 * @param threshold - top fraction of pixels or a fixed value
 * @returns the cut-off, or null when nothing is erased
 * @example
 * ```ts
 * camCutoff(Float32Array.of(0, 0.25, 0.5, 1), { kind: 'top-fraction', value: 0.5 }); // 0.5
 * ```
 */
export function camCutoff(map: Float32Array, threshold: AdversarialErasingThreshold): number | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return null;
  if (threshold.kind === 'value') return threshold.value;
  // k-th largest value, k = ceil(f·N); the epsilon keeps 0.2·1000 = 200.00000000000003 at 200.
  const k = Math.min(map.length, Math.max(1, Math.ceil(threshold.value * map.length - 1e-9)));
  const sorted = Float32Array.from(map).sort();
  return sorted[map.length - k]!;
}
