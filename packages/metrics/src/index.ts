/**
 * `@rfm/metrics`: detection metrics of forgery detectors (AUC, ROC, TDR at FDR, EER, AP, ACC),
 * per-technique evaluation as in the RFM paper, a text table and a scores-CSV reader.
 * Label 1 = fake = positive class; a higher score means more likely fake. No dependencies.
 *
 * @packageDocumentation
 */
export { MetricsInputError } from './errors.js';
export type { MetricsErrorCode } from './errors.js';
export { sortScoresByClass, countAbove } from './scored-samples.js';
export type { ScoredSample, SortedScores } from './scored-samples.js';
export { binaryCurve } from './binary-curve.js';
export type { BinaryCurve } from './binary-curve.js';
export { rocCurve, rocFromCurve } from './roc.js';
export type { RocCurve } from './roc.js';
export { rocAuc, aucFromSorted } from './auc.js';
export { tdrAtFdr, tdrFromSorted, allowedFalsePositives, isTdrReliable, checkFdr } from './tdr.js';
export type { TdrPoint } from './tdr.js';
export { equalErrorRate, eerFromRoc } from './eer.js';
export type { EerResult } from './eer.js';
export { averagePrecision, apFromCurve } from './average-precision.js';
export { accuracyAt, accuracyFromSorted } from './accuracy.js';
export { METRICS_DEFAULTS, resolveMetricsOptions } from './metrics-options.js';
export type { MetricsOptions, ResolvedMetricsOptions } from './metrics-options.js';
export { computeMetrics, metricValue, formatFdr } from './compute-metrics.js';
export type { MetricsReport, MetricKey } from './compute-metrics.js';
export { evaluateByTechnique, meanReport, DEFAULT_FAKE_TECHNIQUE } from './by-technique.js';
export type { TechniqueEvaluation } from './by-technique.js';
export { formatMetricsTable } from './format-table.js';
export type { FormatTableOptions } from './format-table.js';
export { parseScoresCsv } from './scores-csv.js';
export { parseCsv, formatCsv, formatCsvField, neutralizeFormulaCell, restoreFormulaCell, CsvSyntaxError } from './csv.js';
export type { CsvRecord, ParseCsvOptions } from './csv.js';
export type { ParseScoresCsvOptions } from './scores-csv.js';
export { bootstrapInterval, pairedBootstrapDifference, quantile, meanAndStd, BOOTSTRAP_RESAMPLES } from './bootstrap.js';
export type { BootstrapInterval, BootstrapOptions, SampleMetric, UniformSource } from './bootstrap.js';
export { videoLevelSamples, hasVideoGroups } from './video-level.js';
export type { GroupedSample, VideoSample } from './video-level.js';
