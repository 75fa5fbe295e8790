/**
 * Input validation shared by every metric: labels are 0 (real) or 1 (fake), scores are finite,
 * and both classes are present. A higher score means "more likely fake".
 *
 * @packageDocumentation
 */
import { MetricsInputError } from './errors.js';

/** One scored image. */
export interface ScoredSample {
  /** 0 = real, 1 = fake. */
  readonly label: 0 | 1;
  /** Detector score; higher = more likely fake (P(fake), a logit gap...). */
  readonly score: number;
  /** Forgery technique of a fake (ignored for reals). */
  readonly technique?: string;
}

/** Scores split by class, each sorted ascending. */
export interface SortedScores {
  /** Real scores, ascending. */
  readonly reals: Float64Array;
  /** Fake scores, ascending. */
  readonly fakes: Float64Array;
}

/**
 * Validates `labels`/`scores` and returns the scores of each class sorted ascending.
 *
 * @param labels - 0 (real) or 1 (fake) per sample
 * @param scores - one finite score per sample
 * @throws {@link MetricsInputError} on length mismatch, a bad label or score, or a missing class
 */
export function sortScoresByClass(labels: ArrayLike<number>, scores: ArrayLike<number>): SortedScores {
  if (labels.length !== scores.length) {
    throw new MetricsInputError(
      'RFM_METRICS_LENGTH',
      `labels has ${labels.length} entries but scores has ${scores.length}; pass one score per label.`,
    );
  }
  if (labels.length === 0) {
    throw new MetricsInputError('RFM_METRICS_EMPTY', 'No samples: metrics need at least one real and one fake score.');
  }
  let nFake = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const s = scores[i]!;
    if (y !== 0 && y !== 1) {
      throw new MetricsInputError('RFM_METRICS_BAD_LABEL', `Label ${String(y)} at index ${i} is not 0 (real) or 1 (fake).`, {
        index: i,
      });
    }
    if (!Number.isFinite(s)) {
      throw new MetricsInputError(
        'RFM_METRICS_BAD_SCORE',
        `Score ${String(s)} at index ${i} is not a finite number; check the model output for NaN or overflow.`,
        { index: i },
      );
    }
    nFake += y;
  }
  const nReal = labels.length - nFake;
  if (nReal === 0 || nFake === 0) {
    throw new MetricsInputError(
      'RFM_METRICS_ONE_CLASS',
      `All ${labels.length} samples are ${nReal === 0 ? 'fake' : 'real'}; ROC metrics need both real (0) and fake (1) samples.`,
    );
  }
  const reals = new Float64Array(nReal);
  const fakes = new Float64Array(nFake);
  let r = 0;
  let f = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) fakes[f++] = scores[i]!;
    else reals[r++] = scores[i]!;
  }
  reals.sort();
  fakes.sort();
  return { reals, fakes };
}

/**
 * Number of entries of an ascending array that are strictly greater than `x` (binary search).
 *
 * @param ascending - sorted ascending
 * @param x - the threshold
 */
export function countAbove(ascending: Float64Array, x: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return ascending.length - lo;
}
