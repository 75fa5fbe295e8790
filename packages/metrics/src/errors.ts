/**
 * The typed error of `@rfm/metrics`. The package has no dependencies, so it does not extend
 * `@rfm/core`'s `RfmError`; it follows the same shape (a stable `code`, a message naming the bad
 * value and the fix).
 *
 * @packageDocumentation
 */

/** Stable codes of {@link MetricsInputError}. */
export type MetricsErrorCode =
  /** No samples at all (or a CSV file without data rows). */
  | 'RFM_METRICS_EMPTY'
  /** Only real or only fake samples: ROC metrics need both classes. */
  | 'RFM_METRICS_ONE_CLASS'
  /** A score is NaN or infinite. */
  | 'RFM_METRICS_BAD_SCORE'
  /** A label is not 0 (real) or 1 (fake). */
  | 'RFM_METRICS_BAD_LABEL'
  /** `labels` and `scores` have different lengths. */
  | 'RFM_METRICS_LENGTH'
  /** An option is out of range (an FDR outside (0, 1], an unknown metric key...). */
  | 'RFM_METRICS_BAD_OPTION'
  /** A scores CSV file has a malformed row. */
  | 'RFM_METRICS_BAD_CSV'
  /** The frames of one video (group) carry different labels. */
  | 'RFM_METRICS_GROUP_LABELS';

/** Thrown when metric inputs or options are unusable. */
export class MetricsInputError extends Error {
  /** Stable machine-readable code. */
  readonly code: MetricsErrorCode;
  /** 1-based line of a CSV file, when the error comes from {@link parseScoresCsv}. */
  readonly line: number | undefined;
  /** 0-based index of the offending sample, when one sample is at fault. */
  readonly index: number | undefined;

  /**
   * @param code - stable error code
   * @param message - what is wrong, with the value and the fix
   * @param where - the CSV line or the sample index at fault
   */
  constructor(code: MetricsErrorCode, message: string, where: { line?: number; index?: number } = {}) {
    super(message);
    this.name = 'MetricsInputError';
    this.code = code;
    this.line = where.line;
    this.index = where.index;
  }
}
