import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, formatCsv, formatCsvField, neutralizeFormulaCell, parseCsv, restoreFormulaCell } from './csv.js';
import { parseScoresCsv } from './scores-csv.js';

const NASTY = ['plain.png', 'a,b.png', 'say "hi".png', 'two\nlines.png', 'cr\r\nlf.png', '=1+2', '+SUM(A1)', '-x', '@cmd', '\tTab', "'=already", "'quoted", '', ' spaced ', '#hash.png'];

describe('formatCsv / parseCsv (RFC 4180)', () => {
  it('round-trips commas, quotes, line breaks and formula-like text exactly', () => {
    const text = formatCsv(['id', 'score'], NASTY.map((id, i) => [id, i / 10]));
    const rows = parseCsv(text, { formulaPrefix: 'strip', skipComments: false });
    expect(rows.map((r) => r.fields)).toEqual([['id', 'score'], ...NASTY.map((id, i) => [id, String(i / 10)])]);
  });

  it('quotes fields with , " CR LF and doubles quotes', () => {
    expect(formatCsvField('a,b')).toBe('"a,b"');
    expect(formatCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvField('x\ny')).toBe('"x\ny"');
    expect(formatCsvField('plain')).toBe('plain');
  });

  it('neutralises text cells a spreadsheet would run, and leaves numbers alone', () => {
    for (const t of ['=1+2', '+1', '-1', '@SUM(A1)', '\t=1', "'=1"]) expect(neutralizeFormulaCell(t)).toBe(`'${t}`);
    expect(formatCsvField(-0.5)).toBe('-0.5');
    expect(formatCsvField('-0.5')).toBe("'-0.5");
    expect(formatCsvField("'abc")).toBe("'abc");
    for (const t of ['=1+2', "'=1", "'abc", 'x']) expect(restoreFormulaCell(neutralizeFormulaCell(t))).toBe(t);
  });

  it('reports the line of an unterminated quote and the starting line of multi-line records', () => {
    expect(() => parseCsv('a,b\n"x,1\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n"x,1\n')).toThrow(/line 2/);
    const rows = parseCsv('id,n\n"a\nb",1\nc,2\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('the project writes what rfm metrics reads: a scores file with nasty ids and techniques', () => {
    const text = formatCsv(
      ['id', 'label', 'score', 'logit_gap', 'technique'],
      [
        ['fake/=HYPERLINK("x")/a,b.png', 1, 0.9, 2.1, '=HYPERLINK("x")'],
        ['real/two\nlines.png', 0, 0.2, -1.3, 'real'],
        ['fake/-gan/c.png', 1, 0.7, 0.4, '-gan'],
      ],
    );
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(parseScoresCsv(text)).toEqual([
      { label: 1, score: 0.9, technique: '=HYPERLINK("x")' },
      { label: 0, score: 0.2, technique: 'real' },
      { label: 1, score: 0.7, technique: '-gan' },
    ]);
  });
});
