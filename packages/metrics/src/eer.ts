/**
 * Equal error rate, as DFFD evaluates it: the ROC point where the miss rate and the false
 * detection rate are closest.
 *
 * @packageDocumentation
 */
import type { RocCurve } from './roc.js';
import { rocCurve } from './roc.js';

/** The ROC point nearest to FNR = FPR. */
export interface EerResult {
  /** FPR at that point: the reported EER. */
  readonly eer: number;
  /** FNR = 1 − TPR at that point (DFFD's `FNR[argmin |FNR − FPR|]`). */
  readonly fnr: number;
  /** Threshold of that point (`score >= threshold` is called fake; `Infinity` for the first point). */
  readonly threshold: number;
}

/**
 * EER: over all ROC points (see {@link rocCurve}), the first one minimising `|(1 − tpr) − fpr|`
 * (NumPy `argmin` order); its FPR is returned as `eer`. The arithmetic mirrors NumPy's, so ties
 * break the same way as the reference vectors.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake
 * @throws {@link MetricsInputError} on bad input
 * @example
 * ```ts
 * equalErrorRate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).eer; // 0.5
 * ```
 */
export function equalErrorRate(labels: ArrayLike<number>, scores: ArrayLike<number>): EerResult {
  return eerFromRoc(rocCurve(labels, scores));
}

/**
 * {@link equalErrorRate} of a computed ROC curve.
 *
 * @param roc - ROC points
 */
export function eerFromRoc(roc: RocCurve): EerResult {
  let best = 0;
  let bestGap = Infinity;
  for (let i = 0; i < roc.fpr.length; i++) {
    const gap = Math.abs(1 - roc.tpr[i]! - roc.fpr[i]!);
    if (gap < bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return { eer: roc.fpr[best]!, fnr: 1 - roc.tpr[best]!, threshold: roc.thresholds[best]! };
}
