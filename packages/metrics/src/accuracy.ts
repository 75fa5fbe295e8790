/**
 * Accuracy at a fixed threshold.
 *
 * @packageDocumentation
 */
import { sortScoresByClass, type SortedScores } from './scored-samples.js';

/**
 * Fraction of samples classified correctly when `score >= threshold` means fake (as RFM's
 * `calRes`: `np.where(score >= 0.5, 1, 0)`).
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake
 * @param threshold - decision threshold; 0.5 for P(fake), 0 for a logit gap
 * @throws {@link MetricsInputError} on bad input
 * @example
 * ```ts
 * accuracyAt([0, 0, 1, 1], [0.1, 0.6, 0.5, 0.8], 0.5); // 0.75
 * ```
 */
export function accuracyAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): number {
  return accuracyFromSorted(sortScoresByClass(labels, scores), threshold);
}

/**
 * {@link accuracyAt} on class-sorted scores.
 *
 * @param sorted - the output of {@link sortScoresByClass}
 * @param threshold - decision threshold
 */
export function accuracyFromSorted(sorted: SortedScores, threshold: number): number {
  const { reals, fakes } = sorted;
  const realsBelow = reals.length - countAtLeast(reals, threshold);
  const fakesAtLeast = countAtLeast(fakes, threshold);
  return (realsBelow + fakesAtLeast) / (reals.length + fakes.length);
}

function countAtLeast(ascending: Float64Array, x: number): number {
  // Index of the first entry >= x, by binary search.
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return ascending.length - lo;
}
