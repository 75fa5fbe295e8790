/**
 * The ROC curve, like scikit-learn's `roc_curve(y, score, pos_label=1, drop_intermediate=False)`.
 *
 * @packageDocumentation
 */
import { binaryCurve, type BinaryCurve } from './binary-curve.js';
import { sortScoresByClass } from './scored-samples.js';

/** ROC points, from (0, 0) to (1, 1). */
export interface RocCurve {
  /** False positive rate (reals scored as fake) at each point; this is DFFD's "FDR". */
  readonly fpr: readonly number[];
  /** True positive rate (fakes detected) at each point; DFFD's "TDR". */
  readonly tpr: readonly number[];
  /**
   * Threshold of each point: a sample is called fake when `score >= threshold`. The first point
   * uses `Infinity` (scikit-learn >= 1.3; 1.2 used `max score + 1`).
   */
  readonly thresholds: readonly number[];
}

/**
 * ROC points for every distinct score (no intermediate point dropped), preceded by (0, 0).
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake
 * @throws {@link MetricsInputError} on bad input (see {@link sortScoresByClass})
 * @example
 * ```ts
 * const { fpr, tpr } = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // fpr = [0, 0, 0.5, 0.5, 1], tpr = [0, 0.5, 0.5, 1, 1]
 * ```
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  return rocFromCurve(binaryCurve(sortScoresByClass(labels, scores)));
}

/**
 * ROC points of a prepared {@link BinaryCurve}.
 *
 * @param curve - cumulative counts
 */
export function rocFromCurve(curve: BinaryCurve): RocCurve {
  const m = curve.thresholds.length;
  const fpr = new Array<number>(m + 1);
  const tpr = new Array<number>(m + 1);
  const thresholds = new Array<number>(m + 1);
  fpr[0] = 0;
  tpr[0] = 0;
  thresholds[0] = Infinity;
  for (let i = 0; i < m; i++) {
    fpr[i + 1] = curve.fps[i]! / curve.nReal;
    tpr[i + 1] = curve.tps[i]! / curve.nFake;
    thresholds[i + 1] = curve.thresholds[i]!;
  }
  return { fpr, tpr, thresholds };
}
