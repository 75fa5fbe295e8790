/**
 * Average precision, as scikit-learn's `average_precision_score`.
 *
 * @packageDocumentation
 */
import { binaryCurve, type BinaryCurve } from './binary-curve.js';
import { sortScoresByClass } from './scored-samples.js';

/**
 * AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct scores taken as thresholds in descending order
 * (R₀ = 0), with precision Pₙ = TP/(TP+FP) and recall Rₙ = TP/nFake. Tied scores form one
 * threshold (no interpolation), exactly as scikit-learn handles ties. Fake is the positive class.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake
 * @throws {@link MetricsInputError} on bad input
 * @example
 * ```ts
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333...
 * ```
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return apFromCurve(binaryCurve(sortScoresByClass(labels, scores)));
}

/**
 * {@link averagePrecision} of a prepared {@link BinaryCurve}.
 *
 * @param curve - cumulative counts
 */
export function apFromCurve(curve: BinaryCurve): number {
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < curve.thresholds.length; i++) {
    const tp = curve.tps[i]!;
    const recall = tp / curve.nFake;
    const predicted = tp + curve.fps[i]!;
    const precision = predicted === 0 ? 0 : tp / predicted;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}
