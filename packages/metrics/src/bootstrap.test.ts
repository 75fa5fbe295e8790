import { describe, expect, it } from 'vitest';
import { averagePrecision, bootstrapInterval, meanAndStd, pairedBootstrapDifference, quantile, rocAuc } from './index.js';
import { metricsErrorOf } from './test-helpers.js';

/** Seeded uniform source (LCG) so the tests are reproducible without a dependency. */
function uniform(seed: number): { next(): number } {
  let s = seed >>> 0;
  return {
    next: () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    },
  };
}

/** `n` reals and `n` fakes; fake scores shifted by `shift` (a noisy detector). */
function detector(n: number, shift: number, seed: number, shared?: number[]): { labels: number[]; scores: number[] } {
  const u = uniform(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const y = i < n ? 0 : 1;
    labels.push(y);
    scores.push((shared ? shared[i]! : 0) + u.next() + y * shift);
  }
  return { labels, scores };
}

describe('bootstrapInterval', () => {
  it('is reproducible for a seed and brackets the full-set estimate', () => {
    const { labels, scores } = detector(150, 0.4, 1);
    const a = bootstrapInterval(labels, scores, rocAuc, { rng: uniform(7), resamples: 400 });
    const b = bootstrapInterval(labels, scores, rocAuc, { rng: uniform(7), resamples: 400 });
    expect(a).toEqual(b);
    expect(a.estimate).toBeCloseTo(rocAuc(labels, scores), 12);
    expect(a.lo).toBeLessThan(a.estimate);
    expect(a.hi).toBeGreaterThan(a.estimate);
    expect(a.resamples).toBe(400);
    const other = bootstrapInterval(labels, scores, rocAuc, { rng: uniform(8), resamples: 400 });
    expect(other.lo).not.toBe(a.lo);
  });

  it('has about the analytic width for AUC (Hanley-McNeil standard error)', () => {
    const { labels, scores } = detector(300, 0.3, 2);
    const auc = rocAuc(labels, scores);
    const q1 = auc / (2 - auc);
    const q2 = (2 * auc * auc) / (1 + auc);
    const se = Math.sqrt((auc * (1 - auc) + 299 * (q1 - auc * auc) + 299 * (q2 - auc * auc)) / (300 * 300));
    const ci = bootstrapInterval(labels, scores, rocAuc, { rng: uniform(3), resamples: 1000 });
    expect((ci.hi - ci.lo) / (2 * 1.96 * se)).toBeGreaterThan(0.75);
    expect((ci.hi - ci.lo) / (2 * 1.96 * se)).toBeLessThan(1.3);
  });

  it('narrows as the test set grows', () => {
    const small = detector(40, 0.4, 4);
    const large = detector(400, 0.4, 4);
    const w = (d: { labels: number[]; scores: number[] }) => {
      const ci = bootstrapInterval(d.labels, d.scores, averagePrecision, { rng: uniform(5), resamples: 300 });
      return ci.hi - ci.lo;
    };
    expect(w(large)).toBeLessThan(w(small) / 2);
  });

  it('rejects bad options and one-class input with a MetricsInputError', () => {
    const { labels, scores } = detector(10, 0.4, 1);
    expect(metricsErrorOf(() => bootstrapInterval(labels, scores, rocAuc, { rng: uniform(1), resamples: 0 })).code).toBe('RFM_METRICS_BAD_OPTION');
    expect(metricsErrorOf(() => bootstrapInterval(labels, scores, rocAuc, { rng: uniform(1), level: 1 })).code).toBe('RFM_METRICS_BAD_OPTION');
    expect(metricsErrorOf(() => bootstrapInterval([1, 1], [0.1, 0.2], rocAuc, { rng: uniform(1) })).code).toBe('RFM_METRICS_ONE_CLASS');
  });
});

describe('pairedBootstrapDifference', () => {
  it('is exactly zero for identical detectors', () => {
    const { labels, scores } = detector(50, 0.4, 1);
    const d = pairedBootstrapDifference(labels, scores, scores, rocAuc, { rng: uniform(1), resamples: 200 });
    expect([d.estimate, d.lo, d.hi]).toEqual([0, 0, 0]);
  });

  it('is narrower than the unpaired spread when the detectors share their hard images, and finds a real gain', () => {
    const u = uniform(11);
    const hardness = Array.from({ length: 600 }, () => 2 * u.next());
    const base = detector(300, 0.3, 21, hardness);
    const better = detector(300, 0.5, 22, hardness);
    const d = pairedBootstrapDifference(base.labels, better.scores, base.scores, rocAuc, { rng: uniform(2), resamples: 600 });
    expect(d.estimate).toBeCloseTo(rocAuc(base.labels, better.scores) - rocAuc(base.labels, base.scores), 12);
    expect(d.lo).toBeGreaterThan(0);
    const a = bootstrapInterval(base.labels, better.scores, rocAuc, { rng: uniform(2), resamples: 600 });
    const b = bootstrapInterval(base.labels, base.scores, rocAuc, { rng: uniform(2), resamples: 600 });
    const unpaired = Math.sqrt(((a.hi - a.lo) / 2) ** 2 + ((b.hi - b.lo) / 2) ** 2);
    expect((d.hi - d.lo) / 2).toBeLessThan(unpaired);
  });

  it('gives an interval containing 0 for two noisy detectors of the same quality', () => {
    const base = detector(300, 0.4, 31);
    const same = detector(300, 0.4, 32);
    const d = pairedBootstrapDifference(base.labels, same.scores, base.scores, rocAuc, { rng: uniform(4), resamples: 600 });
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeGreaterThan(0);
  });

  it('rejects detectors scored on a different number of images', () => {
    const { labels, scores } = detector(10, 0.4, 1);
    expect(metricsErrorOf(() => pairedBootstrapDifference(labels, scores, scores.slice(1), rocAuc, { rng: uniform(1) })).code).toBe('RFM_METRICS_LENGTH');
  });
});

describe('quantile and meanAndStd', () => {
  it('interpolate and use the n − 1 standard deviation', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(meanAndStd([2, 4, 6])).toEqual({ mean: 4, std: 2 });
    expect(meanAndStd([5])).toEqual({ mean: 5, std: 0 });
  });
});
