/**
 * The cumulative counts behind the ROC and precision-recall curves: for every distinct score,
 * taken as a threshold in descending order, how many fakes (true positives) and reals (false
 * positives) score at or above it. Same construction as scikit-learn's `_binary_clf_curve`.
 *
 * @packageDocumentation
 */
import type { SortedScores } from './scored-samples.js';

/** Cumulative counts at each distinct score, highest score first. */
export interface BinaryCurve {
  /** Distinct scores, descending. */
  readonly thresholds: Float64Array;
  /** Fakes with score >= `thresholds[i]`. */
  readonly tps: Float64Array;
  /** Reals with score >= `thresholds[i]`. */
  readonly fps: Float64Array;
  /** Number of reals. */
  readonly nReal: number;
  /** Number of fakes. */
  readonly nFake: number;
}

/**
 * Builds the curve by merging the two sorted score arrays from the top.
 *
 * @param sorted - the output of {@link sortScoresByClass}
 */
export function binaryCurve(sorted: SortedScores): BinaryCurve {
  const { reals, fakes } = sorted;
  const n = reals.length + fakes.length;
  const thresholds = new Float64Array(n);
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let r = reals.length - 1;
  let f = fakes.length - 1;
  let tp = 0;
  let fp = 0;
  let m = 0;
  while (r >= 0 || f >= 0) {
    const t = Math.max(r >= 0 ? reals[r]! : -Infinity, f >= 0 ? fakes[f]! : -Infinity);
    while (f >= 0 && fakes[f] === t) {
      tp++;
      f--;
    }
    while (r >= 0 && reals[r] === t) {
      fp++;
      r--;
    }
    thresholds[m] = t;
    tps[m] = tp;
    fps[m] = fp;
    m++;
  }
  return {
    thresholds: thresholds.slice(0, m),
    tps: tps.slice(0, m),
    fps: fps.slice(0, m),
    nReal: reals.length,
    nFake: fakes.length,
  };
}
