/**
 * Every metric of one scored set at once: AUC, TDR at each FDR, EER, AP and accuracy.
 *
 * @packageDocumentation
 */
import { accuracyFromSorted } from './accuracy.js';
import { aucFromSorted } from './auc.js';
import { apFromCurve } from './average-precision.js';
import { binaryCurve } from './binary-curve.js';
import { eerFromRoc } from './eer.js';
import { MetricsInputError } from './errors.js';
import { resolveMetricsOptions, type MetricsOptions } from './metrics-options.js';
import { rocFromCurve } from './roc.js';
import { sortScoresByClass } from './scored-samples.js';
import { tdrFromSorted, type TdrPoint } from './tdr.js';

/** All metrics of one set. Rates are fractions in [0, 1] (the table prints percentages). */
export interface MetricsReport {
  /** Number of real samples. */
  readonly nReal: number;
  /** Number of fake samples. */
  readonly nFake: number;
  /** Rank AUC (ties ½). */
  readonly auc: number;
  /** TDR at each requested FDR, in the order of `options.fdrs`. */
  readonly tdr: readonly TdrPoint[];
  /** Equal error rate (FPR at the ROC point nearest FNR = FPR). */
  readonly eer: number;
  /** Average precision (fake = positive). */
  readonly ap: number;
  /** Accuracy at `accThreshold`. */
  readonly acc: number;
  /** Threshold used for `acc`. */
  readonly accThreshold: number;
}

/** Names accepted by {@link metricValue}: `auc`, `ap`, `acc`, `eer` or `tdr@<fdr>` such as `tdr@1e-4`. */
export type MetricKey = 'auc' | 'ap' | 'acc' | 'eer' | `tdr@${string}`;

/**
 * Computes every metric with one sort of the scores.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - higher = more likely fake (P(fake) or the logit gap `O_fake − O_real`)
 * @param options - FDRs and accuracy threshold
 * @throws {@link MetricsInputError} on bad input or options
 * @example
 * ```ts
 * const report = computeMetrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * report.auc; // 0.75
 * report.tdr[0]; // { fdr: 0.01, tdr: 0.5, reliable: false }
 * ```
 */
export function computeMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: MetricsOptions = {},
): MetricsReport {
  const o = resolveMetricsOptions(options);
  const sorted = sortScoresByClass(labels, scores);
  const curve = binaryCurve(sorted);
  return {
    nReal: sorted.reals.length,
    nFake: sorted.fakes.length,
    auc: aucFromSorted(sorted),
    tdr: o.fdrs.map((a) => tdrFromSorted(sorted, a)),
    eer: eerFromRoc(rocFromCurve(curve)).eer,
    ap: apFromCurve(curve),
    acc: accuracyFromSorted(sorted, o.accThreshold),
    accThreshold: o.accThreshold,
  };
}

/**
 * Reads one metric of a report by name, e.g. for checkpoint selection. Higher is better for every
 * key except `eer`.
 *
 * @param report - a report from {@link computeMetrics}
 * @param key - `auc`, `ap`, `acc`, `eer` or `tdr@<fdr>` (the FDR must be one the report holds)
 * @throws {@link MetricsInputError} (`RFM_METRICS_BAD_OPTION`) for an unknown key or an FDR not computed
 * @example
 * ```ts
 * metricValue(report, 'tdr@1e-4');
 * ```
 */
export function metricValue(report: MetricsReport, key: MetricKey): number {
  switch (key) {
    case 'auc':
    case 'ap':
    case 'acc':
    case 'eer':
      return report[key];
  }
  const m = /^tdr@(.+)$/i.exec(key);
  const fdr = m ? Number(m[1]) : NaN;
  const point = report.tdr.find((p) => Math.abs(p.fdr - fdr) <= 1e-12 * Math.max(1, fdr));
  if (!point) {
    const known = ['auc', 'ap', 'acc', 'eer', ...report.tdr.map((p) => `tdr@${formatFdr(p.fdr)}`)];
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `Unknown metric "${key}"; this report has ${known.join(', ')}.`);
  }
  return point.tdr;
}

/**
 * Short label of an FDR: `1e-2`, `2.5e-3`, `0.5` → `5e-1`.
 *
 * @param fdr - α
 */
export function formatFdr(fdr: number): string {
  return fdr.toExponential().replace('e+', 'e');
}
