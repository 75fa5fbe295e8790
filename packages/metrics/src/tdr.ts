/**
 * True detection rate at a false detection rate (DFFD's TDR@FDR; spec §7).
 *
 * @packageDocumentation
 */
import { MetricsInputError } from './errors.js';
import { countAbove, sortScoresByClass, type SortedScores } from './scored-samples.js';

/** TDR at one FDR. */
export interface TdrPoint {
  /** The target false detection rate α (fraction of reals called fake). */
  readonly fdr: number;
  /** Fraction of fakes detected at the best threshold whose FDR is at most α. */
  readonly tdr: number;
  /**
   * False when `nReal < 1/α`: no real may then be called fake, so the value is just the fraction of
   * fakes scoring above every real, and rests on a single score.
   */
  readonly reliable: boolean;
}

/**
 * TDR@α = max TPR over ROC points with FPR <= α (scikit-learn `roc_curve`, no point dropped),
 * by the closed form of spec §7: with k the largest count such that `k/nReal <= α` (float64,
 * as scikit-learn compares), and r₍ₖ₊₁₎ the (k+1)-th highest real score,
 * TDR = |{fake s : s > r₍ₖ₊₁₎}| / nFake, and 1 when k = nReal.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake
 * @param fdr - α in (0, 1], e.g. 1e-3 for the paper's TDR0.1%
 * @throws {@link MetricsInputError} on bad input or α outside (0, 1]
 * @example
 * ```ts
 * tdrAtFdr([0, 0, 0, 1, 1], [0.1, 0.2, 0.9, 0.5, 0.95], 0.01); // 0.5: only 0.95 beats every real
 * ```
 */
export function tdrAtFdr(labels: ArrayLike<number>, scores: ArrayLike<number>, fdr: number): TdrPoint {
  return tdrFromSorted(sortScoresByClass(labels, scores), fdr);
}

/**
 * {@link tdrAtFdr} on class-sorted scores.
 *
 * @param sorted - the output of {@link sortScoresByClass}
 * @param fdr - α in (0, 1]
 */
export function tdrFromSorted(sorted: SortedScores, fdr: number): TdrPoint {
  checkFdr(fdr);
  const { reals, fakes } = sorted;
  const nReal = reals.length;
  const k = allowedFalsePositives(nReal, fdr);
  const reliable = isTdrReliable(nReal, fdr);
  if (k >= nReal) return { fdr, tdr: 1, reliable };
  // reals is ascending: the (k+1)-th highest is at index nReal-1-k.
  const bar = reals[nReal - 1 - k]!;
  return { fdr, tdr: countAbove(fakes, bar) / fakes.length, reliable };
}

/**
 * Largest k in [0, nReal] with `k / nReal <= fdr`, evaluated in float64 exactly as scikit-learn's
 * `fpr <= α` test (so that, e.g., 3/30 <= 0.1 holds).
 *
 * @param nReal - number of real samples
 * @param fdr - α
 */
export function allowedFalsePositives(nReal: number, fdr: number): number {
  let k = Math.min(nReal, Math.max(0, Math.floor(fdr * nReal)));
  while (k < nReal && (k + 1) / nReal <= fdr) k++;
  while (k > 0 && k / nReal > fdr) k--;
  return k;
}

/**
 * Whether TDR@α rests on at least one real that may score above the threshold, i.e. `nReal >= 1/α`
 * (computed as `1/nReal <= α`, the same float64 test as {@link allowedFalsePositives}).
 *
 * @param nReal - number of real samples
 * @param fdr - α
 */
export function isTdrReliable(nReal: number, fdr: number): boolean {
  return nReal > 0 && 1 / nReal <= fdr;
}

/**
 * Throws unless `fdr` is a number in (0, 1].
 *
 * @param fdr - candidate α
 */
export function checkFdr(fdr: number): void {
  if (!(typeof fdr === 'number' && fdr > 0 && fdr <= 1)) {
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `FDR ${String(fdr)} is not in (0, 1]; use e.g. 1e-3 for 0.1 %.`);
  }
}
