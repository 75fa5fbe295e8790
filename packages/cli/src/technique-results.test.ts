import { rocAuc } from '@rfm/metrics';
import { describe, expect, it } from 'vitest';
import { comparisonMarkdown, summarizeComparison, type FinishedRun } from './comparison.js';
import { fakeTechniques, techniqueResults } from './technique-results.js';

// 6 reals, 4 full fakes (well separated), 4 less-eyes fakes (overlapping the reals).
const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
const techniques = ['real', 'real', 'real', 'real', 'real', 'real', 'stylegan2', 'stylegan2', 'stylegan2', 'stylegan2', 'less-eyes', 'less-eyes', 'less-eyes', 'less-eyes'];
const strong = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.95, 0.85, 0.8, 0.7, 0.55, 0.65, 0.45];
const weak = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.95, 0.85, 0.8, 0.35, 0.25, 0.15, 0.05];

describe('techniqueResults', () => {
  it('scores each fake technique against all reals, with intervals and paired differences', () => {
    expect(fakeTechniques({ labels, techniques })).toEqual(['less-eyes', 'stylegan2']);
    const results = techniqueResults({ labels, scores: strong, techniques }, { resamples: 200, seed: 1 }, weak);
    const eyes = results.find((r) => r.technique === 'less-eyes')!;
    const gan = results.find((r) => r.technique === 'stylegan2')!;
    expect(gan).toMatchObject({ nFake: 4, auc: 1 });
    const eyesIndex = labels.flatMap((l, i) => (l === 0 || techniques[i] === 'less-eyes' ? [i] : []));
    expect(eyes.auc).toBeCloseTo(rocAuc(eyesIndex.map((i) => labels[i]!), eyesIndex.map((i) => strong[i]!)), 12);
    expect(eyes.ci95[0]).toBeLessThanOrEqual(eyes.auc);
    expect(eyes.ci95[1]).toBeGreaterThanOrEqual(eyes.auc);
    const weakEyes = rocAuc(eyesIndex.map((i) => labels[i]!), eyesIndex.map((i) => weak[i]!));
    expect(weakEyes).toBe(0.25);
    expect(eyes.diffToBaseline!.auc).toBeCloseTo(eyes.auc - weakEyes, 12);
    expect(gan.diffToBaseline!.auc).toBe(0);
    // Seeded: the same call gives the same intervals.
    expect(techniqueResults({ labels, scores: strong, techniques }, { resamples: 200, seed: 1 }, weak)).toEqual(results);
  });

  it('goes into comparison.json entries only when the test holds several fake techniques', () => {
    const run = (method: string, scores: number[], withTechniques: boolean): FinishedRun => ({
      method,
      seed: 5,
      run: method,
      best: null,
      test: { overall: {} as never, perTechnique: {}, meanOverTechniques: {} as never, techniques: [] },
      ms: 1,
      scores: { ids: labels.map((_, i) => `i${i}`), labels: labels as (0 | 1)[], scores, ...(withTechniques ? { techniques } : {}) },
    });
    const result = summarizeComparison([run('none', weak, true), run('sfe', strong, true)], { resamples: 100, seed: 1 });
    expect(result.methods[0]!.techniques!.map((t) => t.technique)).toEqual(['less-eyes', 'stylegan2']);
    expect(result.methods[0]!.techniques![0]!.diffToBaseline).toBeUndefined();
    expect(result.methods[1]!.techniques![0]!.diffToBaseline!.auc).toBeGreaterThan(0.5);
    const eyes = result.methods[1]!.techniques![0]!;
    const markdown = comparisonMarkdown({ ...result, methods: result.methods.map((m) => ({ ...m, test: { ...m.test, overall: { nReal: 6, nFake: 8, auc: 0.5, tdr: [], eer: 0.5, ap: 0.5, acc: 0.5 } as never } })) });
    expect(markdown).toContain('| method | less-eyes | stylegan2 |');
    expect(markdown).toContain(`| sfe | ${(100 * eyes.auc).toFixed(1)} [`);
    expect(markdown).toContain(`Δ +${(100 * eyes.diffToBaseline!.auc).toFixed(1)} [`);
    const single = summarizeComparison([run('none', weak, false)], { resamples: 100, seed: 1 });
    expect(single.methods[0]!.techniques).toBeUndefined();
  });
});
