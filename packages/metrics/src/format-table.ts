/**
 * Plain-text table of metrics with aligned columns, rates in percent as in the paper.
 *
 * @packageDocumentation
 */
import type { TechniqueEvaluation } from './by-technique.js';
import { formatFdr, type MetricsReport } from './compute-metrics.js';

/** Options of {@link formatMetricsTable}. */
export interface FormatTableOptions {
  /**
   * Digits after the decimal point of the percentages.
   * @default 2
   */
  readonly digits?: number;
  /**
   * Row name when a single {@link MetricsReport} is formatted.
   * @default 'all'
   */
  readonly name?: string;
}

/**
 * Formats metrics as a table: one row per set with AUC, TDR at each FDR, EER, AP, ACC (percent)
 * and the real/fake counts. A TDR computed on fewer than 1/α reals is marked `*` and explained
 * below the table. A {@link TechniqueEvaluation} gives one row per technique, then `mean`
 * (the paper's figure) and `pooled`.
 *
 * @param input - one report, or a per-technique evaluation
 * @param options - digits and row name
 * @example
 * ```ts
 * console.log(formatMetricsTable(computeMetrics(labels, scores)));
 * // set   AUC     TDR@1e-2  TDR@1e-3  TDR@1e-4  EER    AP      ACC    real  fake
 * // all   99.12   ...
 * ```
 */
export function formatMetricsTable(input: MetricsReport | TechniqueEvaluation, options: FormatTableOptions = {}): string {
  const digits = options.digits ?? 2;
  const rows: Array<[string, MetricsReport]> = isEvaluation(input)
    ? [
        ...input.techniques.map((t): [string, MetricsReport] => [t, input.perTechnique[t]!]),
        ['mean', input.meanOverTechniques],
        ['pooled', input.overall],
      ]
    : [[options.name ?? 'all', input]];
  const fdrs = rows[0]![1].tdr.map((p) => p.fdr);
  const header = ['set', 'AUC', ...fdrs.map((a) => `TDR@${formatFdr(a)}`), 'EER', 'AP', 'ACC', 'real', 'fake'];
  const pct = (v: number): string => (100 * v).toFixed(digits);
  let anyUnreliable = false;
  const body = rows.map(([name, r]) => [
    name,
    pct(r.auc),
    ...r.tdr.map((p) => {
      if (!p.reliable) anyUnreliable = true;
      return `${pct(p.tdr)}${p.reliable ? ' ' : '*'}`;
    }),
    pct(r.eer),
    pct(r.ap),
    pct(r.acc),
    String(r.nReal),
    String(r.nFake),
  ]);
  const table = [header, ...body];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (isEvaluation(input)) out.splice(out.length - 2, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  if (anyUnreliable) out.push('* fewer than 1/FDR real samples: TDR is the share of fakes scored above every real.');
  return `${out.join('\n')}\n`;
}

function isEvaluation(x: MetricsReport | TechniqueEvaluation): x is TechniqueEvaluation {
  return 'perTechnique' in x;
}
