import { describe, expect, it } from 'vitest';
import { metricsErrorOf } from './test-helpers.js';
import { parseScoresCsv } from './index.js';

const errorOf = metricsErrorOf;

describe('parseScoresCsv', () => {
  it('reads rows without a header, with and without a technique', () => {
    expect(parseScoresCsv('0,0.25\n1,0.75,stylegan2\n')).toEqual([
      { label: 0, score: 0.25 },
      { label: 1, score: 0.75, technique: 'stylegan2' },
    ]);
  });

  it('takes columns by header name in any order, skips blanks, comments, BOM and CRLF', () => {
    const text = '\uFEFFscore,Technique,label,extra\r\n# a comment\r\n\r\n-1.5e-3,faceswap,1,x\r\n2,real,0,y\r\n';
    expect(parseScoresCsv(text)).toEqual([
      { label: 1, score: -0.0015, technique: 'faceswap' },
      { label: 0, score: 2, technique: 'real' },
    ]);
  });

  it('accepts 0.0/1.0 and real/fake labels and quoted fields', () => {
    expect(parseScoresCsv('label,score,technique\n1.0,0.5,"face, swap"\nreal,0.1,""\n')).toEqual([
      { label: 1, score: 0.5, technique: 'face, swap' },
      { label: 0, score: 0.1 },
    ]);
  });

  it('names the line of a non-numeric score', () => {
    const e = errorOf(() => parseScoresCsv('label,score\n0,0.1\n\n1,abc\n', { source: 'scores.csv' }));
    expect(e.code).toBe('RFM_METRICS_BAD_CSV');
    expect(e.line).toBe(4);
    expect(e.message).toContain('scores.csv line 4');
    expect(e.message).toContain('"abc"');
    expect(errorOf(() => parseScoresCsv('0,NaN\n')).line).toBe(1);
  });

  it('names the line of a label that is not 0/1', () => {
    const e = errorOf(() => parseScoresCsv('0,0.1\n2,0.3\n'));
    expect(e.code).toBe('RFM_METRICS_BAD_CSV');
    expect(e.line).toBe(2);
    expect(e.message).toContain('"2"');
  });

  it('rejects short rows and unterminated quotes with the line', () => {
    expect(errorOf(() => parseScoresCsv('0,0.1\n1\n')).line).toBe(2);
    expect(errorOf(() => parseScoresCsv('0,0.1,"abc\n')).line).toBe(1);
  });

  it('rejects an empty file or a header without rows', () => {
    expect(errorOf(() => parseScoresCsv('')).code).toBe('RFM_METRICS_EMPTY');
    expect(errorOf(() => parseScoresCsv('label,score\n\n')).code).toBe('RFM_METRICS_EMPTY');
  });
});
