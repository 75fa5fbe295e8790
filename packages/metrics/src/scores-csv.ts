/**
 * Reader of score files: `label,score[,technique]`, one sample per line.
 *
 * @packageDocumentation
 */
import { CsvSyntaxError, parseCsv, type CsvRecord } from './csv.js';
import { MetricsInputError } from './errors.js';
import type { ScoredSample } from './scored-samples.js';

/** Options of {@link parseScoresCsv}. */
export interface ParseScoresCsvOptions {
  /**
   * Name of the file, used in error messages.
   * @default 'scores CSV'
   */
  readonly source?: string;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a scores CSV. Columns are `label,score[,technique]`; a header line is optional and, when
 * present (its fields include `label` and `score`, any case), columns are taken by name in any
 * order and extra columns are ignored. Labels are `0`/`1` (also `0.0`/`1.0`) or `real`/`fake`;
 * scores are decimal numbers. Empty lines and lines starting with `#` are skipped; the text is read
 * with {@link parseCsv} (RFC 4180 quoting, CRLF, byte-order mark), and the `'` the project's writer
 * puts before formula-like cells is removed.
 *
 * @param text - the file contents
 * @param options - file name for messages
 * @returns one sample per data row, in file order
 * @throws {@link MetricsInputError} (`RFM_METRICS_BAD_CSV` naming the 1-based line, or
 *   `RFM_METRICS_EMPTY` when there is no data row)
 * @example
 * ```ts
 * parseScoresCsv('label,score,technique\n0,0.12,real\n1,0.97,stylegan2\n');
 * // [{ label: 0, score: 0.12, technique: 'real' }, { label: 1, score: 0.97, technique: 'stylegan2' }]
 * ```
 */
export function parseScoresCsv(text: string, options: ParseScoresCsvOptions = {}): ScoredSample[] {
  const source = options.source ?? 'scores CSV';
  let columns: { label: number; score: number; technique: number } | undefined;
  const out: ScoredSample[] = [];
  const fail = (line: number, why: string): never => {
    throw new MetricsInputError('RFM_METRICS_BAD_CSV', `${source} line ${line}: ${why}`, { line });
  };
  let records: CsvRecord[];
  try {
    // The project's own files neutralise formula-like cells with a leading '; read them back as written.
    records = parseCsv(text, { formulaPrefix: 'strip' });
  } catch (e) {
    if (e instanceof CsvSyntaxError) fail(e.line, 'unterminated quoted field.');
    throw e;
  }
  for (const { fields, line: lineNo } of records) {
    if (columns === undefined) {
      const names = fields.map((f) => f.trim().toLowerCase());
      if (names.includes('label') && names.includes('score')) {
        columns = { label: names.indexOf('label'), score: names.indexOf('score'), technique: names.indexOf('technique') };
        continue;
      }
      columns = { label: 0, score: 1, technique: 2 };
    }
    const needed = Math.max(columns.label, columns.score) + 1;
    if (fields.length < needed) {
      fail(lineNo, `expected at least ${needed} fields (label,score[,technique]), got ${fields.length}: "${fields.join(',')}".`);
    }
    const labelText = fields[columns.label]!.trim();
    const label = parseLabel(labelText);
    if (label === undefined) fail(lineNo, `label "${labelText}" is not 0 (real) or 1 (fake).`);
    const scoreText = fields[columns.score]!.trim();
    if (!NUMBER.test(scoreText)) fail(lineNo, `score "${scoreText}" is not a number.`);
    const technique = columns.technique >= 0 ? fields[columns.technique]?.trim() : undefined;
    out.push(technique ? { label: label!, score: Number(scoreText), technique } : { label: label!, score: Number(scoreText) });
  }
  if (out.length === 0) {
    throw new MetricsInputError('RFM_METRICS_EMPTY', `${source} has no data rows; expected lines like "1,0.93,stylegan2".`);
  }
  return out;
}

function parseLabel(text: string): 0 | 1 | undefined {
  const t = text.toLowerCase();
  if (t === 'real' || /^0(?:\.0*)?$/.test(t)) return 0;
  if (t === 'fake' || /^1(?:\.0*)?$/.test(t)) return 1;
  return undefined;
}
