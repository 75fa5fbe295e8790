/**
 * The per-image scores file (`test-scores.csv`, `rfm eval --scores`): one writer for both, through
 * the project's one CSV writer (RFC 4180 quoting, formula cells neutralised), readable by
 * `rfm metrics`.
 *
 * @packageDocumentation
 */
import { writeFileAtomic, type Predictions } from '@rfm/core';
import { formatCsv } from '@rfm/metrics';

/** Columns of a scores file. */
export const SCORES_COLUMNS = ['id', 'label', 'score', 'logit_gap', 'technique'] as const;

/**
 * The text of a scores file: `id,label,score,logit_gap,technique`, one row per image.
 *
 * @param predictions - what `predict` returned
 */
export function formatScoresCsv(predictions: Pick<Predictions, 'ids' | 'labels' | 'scores' | 'logitGaps' | 'techniques'>): string {
  return formatCsv(
    SCORES_COLUMNS,
    predictions.ids.map((id, i) => [id, predictions.labels[i]!, predictions.scores[i]!, predictions.logitGaps[i]!, predictions.techniques[i]!]),
  );
}

/**
 * Writes a scores file atomically.
 *
 * @param path - destination
 * @param predictions - what `predict` returned
 */
export function writeScoresCsv(path: string, predictions: Pick<Predictions, 'ids' | 'labels' | 'scores' | 'logitGaps' | 'techniques'>): void {
  writeFileAtomic(path, formatScoresCsv(predictions));
}
