import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { averagePrecision, computeMetrics, equalErrorRate, rocAuc, tdrAtFdr } from './index.js';

interface VectorCase {
  name: string;
  labels: number[];
  scores: number[];
  sklearn: { auc: number; tdr: Record<string, number>; eer_fpr_at_nearest: number; ap: number };
}

// Copy of /work/shared/spec/vectors/metrics-sklearn.json (scikit-learn 1.2 outputs; not regenerated).
const vectors = JSON.parse(readFileSync(new URL('./fixtures/metrics-sklearn.json', import.meta.url), 'utf8')) as {
  cases: VectorCase[];
};

describe('scikit-learn reference vectors', () => {
  it('has the five expected cases', () => {
    expect(vectors.cases.map((c) => c.name)).toEqual(['separated', 'all-equal', 'reversed', 'ties-400', 'ties-3200']);
  });

  for (const c of vectors.cases) {
    describe(c.name, () => {
      const fdrs = Object.keys(c.sklearn.tdr).map(Number);

      it('AUC matches to 1e-12', () => {
        expect(Math.abs(rocAuc(c.labels, c.scores) - c.sklearn.auc)).toBeLessThanOrEqual(1e-12);
      });

      it('TDR at every FDR matches to 1e-12', () => {
        for (const [key, want] of Object.entries(c.sklearn.tdr)) {
          const got = tdrAtFdr(c.labels, c.scores, Number(key)).tdr;
          expect(Math.abs(got - want), `TDR@${key}`).toBeLessThanOrEqual(1e-12);
        }
      });

      it('EER (FPR at the nearest point) matches to 1e-12', () => {
        expect(Math.abs(equalErrorRate(c.labels, c.scores).eer - c.sklearn.eer_fpr_at_nearest)).toBeLessThanOrEqual(1e-12);
      });

      it('AP matches to 1e-12', () => {
        expect(Math.abs(averagePrecision(c.labels, c.scores) - c.sklearn.ap)).toBeLessThanOrEqual(1e-12);
      });

      it('computeMetrics gives the same numbers and the right counts', () => {
        const r = computeMetrics(c.labels, c.scores, { fdrs });
        const nFake = c.labels.filter((y) => y === 1).length;
        expect(r.nFake).toBe(nFake);
        expect(r.nReal).toBe(c.labels.length - nFake);
        expect(Math.abs(r.auc - c.sklearn.auc)).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(r.ap - c.sklearn.ap)).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(r.eer - c.sklearn.eer_fpr_at_nearest)).toBeLessThanOrEqual(1e-12);
        r.tdr.forEach((p, i) => {
          expect(p.fdr).toBe(fdrs[i]);
          expect(Math.abs(p.tdr - c.sklearn.tdr[Object.keys(c.sklearn.tdr)[i]!]!)).toBeLessThanOrEqual(1e-12);
          expect(p.reliable).toBe(r.nReal >= 1 / p.fdr);
        });
      });
    });
  }

  it('flags TDR@1e-3 as unreliable with 300 reals and reliable with 2500', () => {
    const small = vectors.cases.find((c) => c.name === 'ties-400')!;
    const large = vectors.cases.find((c) => c.name === 'ties-3200')!;
    expect(computeMetrics(small.labels, small.scores).tdr.map((p) => p.reliable)).toEqual([true, false, false]);
    expect(computeMetrics(large.labels, large.scores).tdr.map((p) => p.reliable)).toEqual([true, true, false]);
  });
});
