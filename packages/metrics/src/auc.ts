/**
 * Area under the ROC curve from ranks (Mann-Whitney U), ties counted one half.
 *
 * @packageDocumentation
 */
import { sortScoresByClass, type SortedScores } from './scored-samples.js';

/**
 * AUC = (sum of the fakes' ranks − nFake(nFake+1)/2) / (nFake·nReal), ranks in ascending score
 * order with tied scores given their average rank (spec §7). Equal to the trapezoid area under
 * the full ROC curve and to scikit-learn's `roc_auc_score`.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake
 * @throws {@link MetricsInputError} on bad input
 * @example
 * ```ts
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * ```
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return aucFromSorted(sortScoresByClass(labels, scores));
}

/**
 * Rank AUC from class-sorted scores. Rank sums are multiples of 1/2 and stay exact in float64
 * up to about 10^7 samples, so the only rounding is the final division.
 *
 * @param sorted - the output of {@link sortScoresByClass}
 */
export function aucFromSorted(sorted: SortedScores): number {
  const { reals, fakes } = sorted;
  const nReal = reals.length;
  const nFake = fakes.length;
  let r = 0;
  let f = 0;
  let below = 0; // samples with a strictly smaller score
  let fakeRankSum = 0;
  while (r < nReal || f < nFake) {
    const t = Math.min(r < nReal ? reals[r]! : Infinity, f < nFake ? fakes[f]! : Infinity);
    let tiedReal = 0;
    let tiedFake = 0;
    while (r < nReal && reals[r] === t) {
      tiedReal++;
      r++;
    }
    while (f < nFake && fakes[f] === t) {
      tiedFake++;
      f++;
    }
    const tied = tiedReal + tiedFake;
    // Ranks below+1 .. below+tied share their mean.
    fakeRankSum += tiedFake * (below + (tied + 1) / 2);
    below += tied;
  }
  return (fakeRankSum - (nFake * (nFake + 1)) / 2) / (nFake * nReal);
}
