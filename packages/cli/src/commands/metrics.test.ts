import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

interface VectorCase {
  name: string;
  labels: number[];
  scores: number[];
  sklearn: { auc: number; tdr: Record<string, number>; ap: number; eer_fpr_at_nearest: number };
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../metrics/src/fixtures/metrics-sklearn.json', import.meta.url), 'utf8'),
) as { cases: VectorCase[] };
const dir = mkdtempSync(join(tmpdir(), 'rfm-metrics-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rfm metrics', () => {
  for (const c of vectors.cases) {
    it(`equals scikit-learn on "${c.name}"`, async () => {
      const csv = join(dir, `${c.name}.csv`);
      writeFileSync(csv, `label,score\n${c.labels.map((l, i) => `${l},${c.scores[i]}`).join('\n')}\n`);
      const io = captureIO();
      expect(await runCli(['metrics', '--scores', csv, '--json'], io)).toBe(0);
      const report = JSON.parse(io.stdout()).overall;
      expect(report.auc).toBeCloseTo(c.sklearn.auc, 12);
      expect(report.ap).toBeCloseTo(c.sklearn.ap, 12);
      expect(report.eer).toBeCloseTo(c.sklearn.eer_fpr_at_nearest, 12);
      for (const p of report.tdr as { fdr: number; tdr: number }[]) {
        const key = Object.keys(c.sklearn.tdr).find((k) => Number(k) === p.fdr);
        if (key) expect(p.tdr).toBeCloseTo(c.sklearn.tdr[key]!, 12);
      }
    });
  }

  it('prints a table and draws a ROC chart', async () => {
    const csv = join(dir, 'tech.csv');
    writeFileSync(csv, 'label,score,technique\n0,0.1,\n0,0.4,\n1,0.35,gan\n1,0.8,gan\n1,0.9,swap\n1,0.2,swap\n');
    const io = captureIO();
    const png = join(dir, 'roc.png');
    expect(await runCli(['metrics', '--scores', csv, '--roc', png], io)).toBe(0);
    expect(io.stdout()).toMatch(/gan/);
    expect(io.stdout()).toMatch(/mean/);
    expect(statSync(png).size).toBeGreaterThan(1000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('fails with exit 2 and one line on a missing file, exit 1 on a bad row', async () => {
    const io = captureIO();
    expect(await runCli(['metrics', '--scores', join(dir, 'nope.csv')], io)).toBe(2);
    expect(io.stderr().trim().split('\n')).toHaveLength(1);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'label,score\n0,0.1\n1,abc\n');
    const io2 = captureIO();
    expect(await runCli(['metrics', '--scores', bad], io2)).toBe(1);
    expect(io2.stderr()).toMatch(/line 3/);
  });
});
