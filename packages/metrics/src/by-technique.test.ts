import { describe, expect, it } from 'vitest';
import { computeMetrics, evaluateByTechnique, formatMetricsTable, MetricsInputError, type ScoredSample } from './index.js';

const samples: ScoredSample[] = [
  { label: 0, score: 0.1, technique: 'real' },
  { label: 0, score: 0.3 },
  { label: 0, score: 0.5 },
  { label: 1, score: 0.9, technique: 'stylegan' },
  { label: 1, score: 0.6, technique: 'stylegan' },
  { label: 1, score: 0.2, technique: 'faceswap' },
  { label: 1, score: 0.4, technique: 'faceswap' },
  { label: 1, score: 0.35 },
];

describe('evaluateByTechnique', () => {
  const ev = evaluateByTechnique(samples);

  it('evaluates each technique against all reals; fakes without a technique count as "fake"', () => {
    expect(ev.techniques).toEqual(['fake', 'faceswap', 'stylegan'].sort());
    expect(ev.perTechnique.stylegan!.auc).toBe(1);
    expect(ev.perTechnique.stylegan!.nReal).toBe(3);
    expect(ev.perTechnique.stylegan!.nFake).toBe(2);
    const fs = computeMetrics([0, 0, 0, 1, 1], [0.1, 0.3, 0.5, 0.2, 0.4]);
    expect(ev.perTechnique.faceswap).toEqual(fs);
  });

  it('pools every sample in overall and averages techniques without weights', () => {
    expect(ev.overall).toEqual(computeMetrics(samples.map((s) => s.label), samples.map((s) => s.score)));
    const per = ev.techniques.map((t) => ev.perTechnique[t]!);
    const mean = (f: (r: (typeof per)[number]) => number) => per.reduce((a, r) => a + f(r), 0) / per.length;
    expect(ev.meanOverTechniques.auc).toBeCloseTo(mean((r) => r.auc), 15);
    expect(ev.meanOverTechniques.ap).toBeCloseTo(mean((r) => r.ap), 15);
    expect(ev.meanOverTechniques.tdr[1]!.tdr).toBeCloseTo(mean((r) => r.tdr[1]!.tdr), 15);
    expect(ev.meanOverTechniques.nFake).toBe(5);
    expect(ev.meanOverTechniques.nReal).toBe(3);
    // The unweighted mean differs from the pooled AUC here.
    expect(ev.meanOverTechniques.auc).not.toBeCloseTo(ev.overall.auc, 6);
  });

  it('needs reals', () => {
    expect(() => evaluateByTechnique([{ label: 1, score: 1, technique: 'x' }])).toThrow(MetricsInputError);
  });
});

describe('formatMetricsTable', () => {
  it('prints aligned percentage columns with counts and marks unreliable TDR', () => {
    const text = formatMetricsTable(computeMetrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^set\s+AUC\s+TDR@1e-2\s+TDR@1e-3\s+TDR@1e-4\s+EER\s+AP\s+ACC\s+real\s+fake$/);
    expect(lines[2]).toMatch(/^all\s+75\.00\s+50\.00\*\s+50\.00\*\s+50\.00\*\s+50\.00\s+83\.33\s+75\.00\s+2\s+2$/);
    expect(lines.at(-1)).toContain('fewer than 1/FDR');
    // Every column ends at the same offset in the header and the row (right-aligned numbers).
    const ends = (l: string) => [...l.matchAll(/\S+/g)].map((m) => m.index! + m[0].length);
    expect(ends(lines[2]!).slice(1)).toEqual(ends(lines[0]!).slice(1));
  });

  it('prints one row per technique, then mean and pooled', () => {
    const text = formatMetricsTable(evaluateByTechnique(samples), { digits: 1 });
    const names = text
      .split('\n')
      .filter((l) => /^[a-z]/.test(l))
      .map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(['set', 'faceswap', 'fake', 'stylegan', 'mean', 'pooled']);
    expect(text).toContain('100.0');
  });
});
