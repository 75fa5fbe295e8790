import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from './capture-io.js';
import { runCli } from './main.js';
import { copyFaces, untrainedRun } from './testing/run-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-scores-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scores files: rfm eval --scores writes what rfm metrics reads', () => {
  it('quotes ids with commas, quotes and line breaks, neutralises formula cells, and reads them back', async () => {
    const data = join(dir, 'data');
    copyFaces(data, 'real', 'real', 2, (i) => [`a,b "q" ${i}.jpg`, `two\nlines.jpg`][i]!);
    copyFaces(data, 'fake', 'fake/=HYPERLINK("x")', 2, (i) => `@f${i}.jpg`);
    const run = await untrainedRun(join(dir, 'run'));
    const scores = join(dir, 'scores.csv');
    const e = captureIO();
    expect(await runCli(['eval', '--model', run, '--data', data, '--scores', scores, '--json', '--backend', 'cpu'], e), e.stderr()).toBe(0);
    const text = readFileSync(scores, 'utf8');
    expect(text).toContain('"real/a,b ""q"" 0.jpg",0,');
    expect(text).toContain('"real/two\nlines.jpg",0,');
    expect(text).toContain('"fake/=HYPERLINK(""x"")/@f0.jpg",1,');
    expect(text).toMatch(/,"'=HYPERLINK\(""x""\)"\n/);
    const m = captureIO();
    expect(await runCli(['metrics', '--scores', scores, '--json'], m), m.stderr()).toBe(0);
    const report = JSON.parse(m.stdout()) as { overall: { auc: number } };
    const evalReport = JSON.parse(e.stdout()) as { overall: { auc: number } };
    expect(JSON.stringify(report)).toContain('=HYPERLINK(\\"x\\")');
    expect(report.overall.auc).toBeCloseTo(evalReport.overall.auc, 10);
  }, 60_000);
});
