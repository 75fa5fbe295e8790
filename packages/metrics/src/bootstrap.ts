/**
 * Percentile bootstrap confidence intervals of a metric over test images, and of the paired
 * difference between two detectors scored on the same images.
 *
 * Resampling is stratified: each resample draws `nReal` reals from the reals and `nFake` fakes
 * from the fakes, with replacement, so every resample keeps both classes and the class balance of
 * the test set. The paired version draws one set of indices per resample and applies it to both
 * detectors, so the interval reflects the variation of the difference over images rather than of
 * each detector alone (it is usually much narrower when the detectors agree on which images are
 * hard). The interval is the `(1 − level)/2` and `(1 + level)/2` quantiles of the resampled values
 * (linear interpolation between order statistics).
 *
 * @packageDocumentation
 */
import { MetricsInputError } from './errors.js';
import { sortScoresByClass } from './scored-samples.js';

/** A source of uniform numbers in [0, 1); core's seeded `Rng` is one. */
export interface UniformSource {
  /** The next uniform number in [0, 1). */
  next(): number;
}

/** A metric of labelled scores, such as {@link rocAuc} or {@link averagePrecision}. */
export type SampleMetric = (labels: ArrayLike<number>, scores: ArrayLike<number>) => number;

/** Options of {@link bootstrapInterval} and {@link pairedBootstrapDifference}. */
export interface BootstrapOptions {
  /** Seeded uniform source; every resample is drawn from it. */
  readonly rng: UniformSource;
  /**
   * Number of resamples.
   * @default 2000
   */
  readonly resamples?: number;
  /**
   * Coverage of the interval.
   * @default 0.95
   */
  readonly level?: number;
}

/** A point estimate with its percentile bootstrap interval. */
export interface BootstrapInterval {
  /** The metric (or difference) on the full test set. */
  readonly estimate: number;
  /** Lower end of the interval. */
  readonly lo: number;
  /** Upper end of the interval. */
  readonly hi: number;
  /** Coverage of the interval, e.g. 0.95. */
  readonly level: number;
  /** Number of resamples. */
  readonly resamples: number;
}

/** Default number of resamples. */
export const BOOTSTRAP_RESAMPLES = 2000;

/**
 * Percentile bootstrap interval of `metric` over the test images (stratified by class).
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - one score per label
 * @param metric - the metric, e.g. `rocAuc`
 * @param options - seeded rng, resamples, level
 * @throws {@link MetricsInputError} on bad samples or options
 * @example
 * ```ts
 * const ci = bootstrapInterval(labels, scores, rocAuc, { rng: createRng(1) });
 * console.log(`${ci.estimate} [${ci.lo}, ${ci.hi}]`);
 * ```
 */
export function bootstrapInterval(labels: ArrayLike<number>, scores: ArrayLike<number>, metric: SampleMetric, options: BootstrapOptions): BootstrapInterval {
  return pairedBootstrap(labels, [scores], (values) => values[0]!, metric, options);
}

/**
 * Paired bootstrap interval of `metric(scores) − metric(baselineScores)`: both detectors scored
 * the same images (same order), and each resample uses the same images for both.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - the detector under study, one score per label
 * @param baselineScores - the baseline detector on the same images, in the same order
 * @param metric - the metric, e.g. `rocAuc`
 * @param options - seeded rng, resamples, level
 * @throws {@link MetricsInputError} on bad samples or options
 * @example
 * ```ts
 * const d = pairedBootstrapDifference(labels, sfeScores, plainScores, rocAuc, { rng: createRng(1) });
 * const real = d.lo > 0 || d.hi < 0; // the interval excludes 0
 * ```
 */
export function pairedBootstrapDifference(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  baselineScores: ArrayLike<number>,
  metric: SampleMetric,
  options: BootstrapOptions,
): BootstrapInterval {
  return pairedBootstrap(labels, [scores, baselineScores], (values) => values[0]! - values[1]!, metric, options);
}

function pairedBootstrap(
  labels: ArrayLike<number>,
  scoreSets: readonly ArrayLike<number>[],
  combine: (values: readonly number[]) => number,
  metric: SampleMetric,
  options: BootstrapOptions,
): BootstrapInterval {
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = options.level ?? 0.95;
  if (!(Number.isInteger(resamples) && resamples >= 1)) {
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `resamples ${String(resamples)} is not an integer >= 1; use e.g. 2000.`);
  }
  if (!(typeof level === 'number' && level > 0 && level < 1)) {
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `level ${String(level)} is not in (0, 1); use e.g. 0.95.`);
  }
  for (const s of scoreSets) sortScoresByClass(labels, s); // validates lengths, labels, scores, both classes
  const reals: number[] = [];
  const fakes: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? fakes : reals).push(i);
  const n = labels.length;
  const estimate = combine(scoreSets.map((s) => metric(labels, s)));
  const rowLabels = new Float64Array(n);
  for (let i = 0; i < reals.length; i++) rowLabels[i] = 0;
  for (let i = reals.length; i < n; i++) rowLabels[i] = 1;
  const picked = new Int32Array(n);
  const buffers = scoreSets.map(() => new Float64Array(n));
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < reals.length; i++) picked[i] = reals[Math.floor(options.rng.next() * reals.length)]!;
    for (let i = 0; i < fakes.length; i++) picked[reals.length + i] = fakes[Math.floor(options.rng.next() * fakes.length)]!;
    const resampled = scoreSets.map((s, k) => {
      const b = buffers[k]!;
      for (let i = 0; i < n; i++) b[i] = s[picked[i]!]!;
      return metric(rowLabels, b);
    });
    values[r] = combine(resampled);
  }
  values.sort();
  const alpha = (1 - level) / 2;
  return { estimate, lo: quantile(values, alpha), hi: quantile(values, 1 - alpha), level, resamples };
}

/**
 * Quantile of ascending values, linear interpolation between order statistics (type 7).
 *
 * @param sorted - ascending values, at least one
 * @param q - in [0, 1]
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Mean and sample standard deviation (n − 1; 0 for a single value).
 *
 * @param values - at least one number
 */
export function meanAndStd(values: readonly number[]): { readonly mean: number; readonly std: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}
