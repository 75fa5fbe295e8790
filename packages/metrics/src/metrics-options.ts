/**
 * Options of {@link computeMetrics} and {@link evaluateByTechnique}, in user and resolved form.
 *
 * @packageDocumentation
 */
import { MetricsInputError } from './errors.js';
import { checkFdr } from './tdr.js';

/** User-facing options; every field is optional. */
export interface MetricsOptions {
  /**
   * False detection rates α at which TDR is reported (the paper's TDR0.1% is α = 1e-3).
   * @default [1e-2, 1e-3, 1e-4]
   */
  readonly fdrs?: readonly number[];
  /**
   * Decision threshold of the accuracy: `score >= accThreshold` is called fake. 0.5 suits P(fake);
   * use 0 for a logit gap `O_fake − O_real`.
   * @default 0.5
   */
  readonly accThreshold?: number;
}

/** Options with every default filled in. */
export type ResolvedMetricsOptions = Required<MetricsOptions>;

/** Defaults of {@link MetricsOptions}. */
export const METRICS_DEFAULTS: ResolvedMetricsOptions = { fdrs: [1e-2, 1e-3, 1e-4], accThreshold: 0.5 };

/**
 * Fills in defaults and validates: each FDR in (0, 1] and no duplicates; a finite threshold.
 *
 * @param options - user options
 * @throws {@link MetricsInputError} with code `RFM_METRICS_BAD_OPTION`
 */
export function resolveMetricsOptions(options: MetricsOptions = {}): ResolvedMetricsOptions {
  const fdrs = options.fdrs ?? METRICS_DEFAULTS.fdrs;
  const accThreshold = options.accThreshold ?? METRICS_DEFAULTS.accThreshold;
  if (!Array.isArray(fdrs) || fdrs.length === 0) {
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `fdrs must be a non-empty array of numbers in (0, 1], got ${String(fdrs)}.`);
  }
  fdrs.forEach(checkFdr);
  if (new Set(fdrs).size !== fdrs.length) {
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `fdrs has duplicates: ${fdrs.join(', ')}.`);
  }
  if (!Number.isFinite(accThreshold)) {
    throw new MetricsInputError('RFM_METRICS_BAD_OPTION', `accThreshold must be a finite number, got ${String(accThreshold)}.`);
  }
  return { fdrs: [...fdrs], accThreshold };
}
