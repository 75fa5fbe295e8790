/**
 * The one CSV reader and the one CSV writer of rfm.js (RFC 4180), used for every CSV the project
 * reads (scores files, dataset manifests) or writes (`test-scores.csv`, `rfm eval --scores`).
 *
 * The writer quotes a field when it holds a comma, a double quote, CR or LF (a quote is doubled),
 * ends lines with CRLF-free `\n`, and neutralises text cells a spreadsheet would run as a formula:
 * a text cell starting with `=`, `+`, `-`, `@`, TAB or CR (after any leading `'`) gets one more `'` in
 * front. Numbers are written as numbers (`-0.5` stays a number). The reader undoes exactly that
 * prefix when asked (`formulaPrefix: 'strip'`), so ids and technique names read back unchanged.
 *
 * @packageDocumentation
 */

/** One record of a parsed CSV text. */
export interface CsvRecord {
  /** The fields, unquoted. */
  readonly fields: string[];
  /** 1-based line on which the record starts. */
  readonly line: number;
}

/** Options of {@link parseCsv}. */
export interface ParseCsvOptions {
  /**
   * `strip`: remove the `'` that {@link formatCsv} puts before formula-like text cells; `keep`:
   * return fields as written.
   * @default 'keep'
   */
  readonly formulaPrefix?: 'keep' | 'strip';
  /**
   * Skip records whose first field starts with `#` (outside quotes) and blank lines.
   * @default true
   */
  readonly skipComments?: boolean;
}

/** A quoted field was not closed; `line` is where it started. */
export class CsvSyntaxError extends Error {
  /** Stable code. */
  readonly code = 'RFM_CSV_SYNTAX';
  /**
   * @param line - 1-based line where the unterminated field starts
   */
  constructor(readonly line: number) {
    super(`line ${line}: a quoted field is not closed (a " without its closing ")`);
    this.name = 'CsvSyntaxError';
  }
}

const FORMULA = /^'*[=+\-@\t\r]/;
const PREFIXED = /^'+[=+\-@\t\r]/;

/**
 * Makes a text cell safe for spreadsheets: prefixes `'` when it starts (after any `'`) with `=`,
 * `+`, `-`, `@`, TAB or CR. Reversible with {@link restoreFormulaCell}.
 *
 * @param text - a text cell
 */
export function neutralizeFormulaCell(text: string): string {
  return FORMULA.test(text) ? `'${text}` : text;
}

/**
 * Undoes {@link neutralizeFormulaCell}: removes one leading `'` before a formula character.
 *
 * @param text - a cell read from a file the project wrote
 */
export function restoreFormulaCell(text: string): string {
  return PREFIXED.test(text) ? text.slice(1) : text;
}

/**
 * Formats one field: numbers as they are; text neutralised ({@link neutralizeFormulaCell}) and
 * quoted when it holds a comma, quote, CR or LF, or starts with `#`.
 *
 * @param value - the cell
 */
export function formatCsvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = neutralizeFormulaCell(value);
  // A leading # is quoted too: readers skip unquoted lines starting with # as comments.
  return /[",\r\n]|^#/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Formats a header and rows as CSV text (one `\n` after every record).
 *
 * @param header - column names
 * @param rows - records; each cell is text (quoted and neutralised as needed) or a number
 * @example
 * ```ts
 * formatCsv(['id', 'score'], [['a,b.png', 0.5], ['=cmd.png', -1]]);
 * // 'id,score\n"a,b.png",0.5\n\'=cmd.png,-1\n'
 * ```
 */
export function formatCsv(header: readonly string[], rows: Iterable<readonly (string | number | boolean | null | undefined)[]>): string {
  const lines = [header.map(formatCsvField).join(',')];
  for (const row of rows) lines.push(row.map(formatCsvField).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * Parses CSV text (RFC 4180: quoted fields may hold commas, `""` and line breaks; CRLF or LF; a
 * byte-order mark is ignored). Whitespace around a quoted field is ignored.
 *
 * @param text - the file contents
 * @param options - comment handling and formula-prefix restoration
 * @returns the records with their line numbers
 * @throws {@link CsvSyntaxError} when a quoted field is not closed
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvRecord[] {
  const strip = options.formulaPrefix === 'strip';
  const skipComments = options.skipComments ?? true;
  const src = text.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let cur = '';
  let quotedField = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let rawStartsQuoted = false;
  let atRecordStart = true;
  const endField = () => {
    fields.push(strip ? restoreFormulaCell(cur) : cur);
    cur = '';
    quotedField = false;
  };
  const endRecord = () => {
    endField();
    const blank = fields.length === 1 && fields[0]!.trim() === '';
    const comment = skipComments && !blank && fields[0]!.trimStart().startsWith('#') && !rawStartsQuoted;
    if (!(skipComments && (blank || comment))) records.push({ fields, line: recordLine });
    fields = [];
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (atRecordStart) {
      recordLine = line;
      rawStartsQuoted = ch === '"';
      atRecordStart = false;
    }
    if (ch === '"' && cur.trim() === '' && !quotedField) {
      // A quoted field: read to the closing quote.
      const start = line;
      cur = '';
      quotedField = true;
      i++;
      for (;;) {
        if (i >= src.length) throw new CsvSyntaxError(start);
        const c = src[i]!;
        if (c === '"') {
          if (src[i + 1] === '"') {
            cur += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        cur += c;
        i++;
      }
      // Skip spaces up to the delimiter; other characters after the closing quote are kept.
      while (i < src.length && (src[i] === ' ' || src[i] === '\t')) i++;
      continue;
    }
    if (ch === ',') {
      endField();
      i++;
      continue;
    }
    if (ch === '\r' && src[i + 1] === '\n') {
      i++;
      continue;
    }
    if (ch === '\n') {
      endRecord();
      line++;
      i++;
      atRecordStart = true;
      continue;
    }
    cur += ch;
    i++;
  }
  if (!atRecordStart || cur !== '' || fields.length > 0) endRecord();
  return records;
}
