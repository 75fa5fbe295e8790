import { describe, expect, it } from 'vitest';
import { metricsErrorOf } from './test-helpers.js';
import {
  accuracyAt,
  allowedFalsePositives,
  averagePrecision,
  computeMetrics,
  equalErrorRate,
  metricValue,
  resolveMetricsOptions,
  rocAuc,
  rocCurve,
  tdrAtFdr,
} from './index.js';

/** Small LCG so the property tests are reproducible without a dependency. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomSet(seed: number, n: number, levels: number): { labels: number[]; scores: number[] } {
  const rand = lcg(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i < 2 ? i : rand() < 0.4 ? 1 : 0; // both classes guaranteed
    labels.push(y);
    // Few distinct levels: many ties inside and across classes.
    scores.push(Math.floor((rand() + 0.3 * y) * levels) / levels);
  }
  return { labels, scores };
}

function pairwiseAuc(labels: number[], scores: number[]): number {
  let num = 0;
  let pairs = 0;
  labels.forEach((yi, i) => {
    if (yi !== 1) return;
    labels.forEach((yj, j) => {
      if (yj !== 0) return;
      pairs++;
      num += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return num / pairs;
}

function trapezoid(x: readonly number[], y: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return a;
}

const errorOf = metricsErrorOf;

describe('ROC curve', () => {
  it('starts at (0, 0) with an infinite threshold and ends at (1, 1)', () => {
    const roc = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(roc.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(roc.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(roc.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
  });

  it('gives one point per distinct score (ties across classes share a point)', () => {
    const roc = rocCurve([0, 1, 0, 1, 1], [0.5, 0.5, 0.2, 0.9, 0.2]);
    expect(roc.thresholds).toEqual([Infinity, 0.9, 0.5, 0.2]);
    expect(roc.fpr).toEqual([0, 0, 0.5, 1]);
    expect(roc.tpr).toEqual([0, 1 / 3, 2 / 3, 1]);
  });
});

describe('AUC', () => {
  it('equals the pairwise Mann-Whitney count and the trapezoid under the ROC, ties included', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const { labels, scores } = randomSet(seed, 120, 7);
      const auc = rocAuc(labels, scores);
      expect(auc).toBeCloseTo(pairwiseAuc(labels, scores), 12);
      const roc = rocCurve(labels, scores);
      expect(auc).toBeCloseTo(trapezoid(roc.fpr, roc.tpr), 12);
    }
  });

  it('counts a real-fake tie as one half', () => {
    expect(rocAuc([0, 1], [0.3, 0.3])).toBe(0.5);
    expect(rocAuc([0, 0, 1], [0.3, 0.1, 0.3])).toBe(0.75);
  });
});

describe('TDR at FDR', () => {
  it('equals max TPR over ROC points with FPR <= alpha on tie-heavy random sets', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { labels, scores } = randomSet(seed, 300, 11);
      const roc = rocCurve(labels, scores);
      for (const a of [0.5, 0.1, 0.05, 0.02, 0.01, 1e-3]) {
        const want = Math.max(...roc.tpr.filter((_, i) => roc.fpr[i]! <= a));
        expect(tdrAtFdr(labels, scores, a).tdr, `seed ${seed} alpha ${a}`).toBe(want);
      }
    }
  });

  it('needs a fake strictly above the (k+1)-th real: a tie with it is not detected', () => {
    // 10 reals, alpha 0.1 allows k = 1 real above the threshold; r(2) = 0.8.
    const reals = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
    const fakes = [0.85, 0.8, 0.95, 0.1];
    const labels = [...reals.map(() => 0), ...fakes.map(() => 1)];
    expect(tdrAtFdr(labels, [...reals, ...fakes], 0.1).tdr).toBe(0.5);
  });

  it('uses the float64 comparison k/N <= alpha (3/30 <= 0.1 holds)', () => {
    expect(allowedFalsePositives(30, 0.1)).toBe(3);
    expect(allowedFalsePositives(10_000, 1e-4)).toBe(1);
    expect(allowedFalsePositives(9_999, 1e-4)).toBe(0);
    expect(allowedFalsePositives(5, 1)).toBe(5);
  });

  it('is 1 at alpha = 1 and marks alpha below 1/nReal as unreliable', () => {
    const labels = [0, 0, 0, 1, 1];
    const scores = [0.1, 0.2, 0.9, 0.5, 0.95];
    expect(tdrAtFdr(labels, scores, 1)).toEqual({ fdr: 1, tdr: 1, reliable: true });
    expect(tdrAtFdr(labels, scores, 0.01)).toEqual({ fdr: 0.01, tdr: 0.5, reliable: false });
    expect(tdrAtFdr(labels, scores, 1 / 3).reliable).toBe(true);
  });

  it('rejects an FDR outside (0, 1]', () => {
    for (const a of [0, -0.1, 1.5, NaN]) {
      expect(errorOf(() => tdrAtFdr([0, 1], [0, 1], a)).code).toBe('RFM_METRICS_BAD_OPTION');
    }
  });
});

describe('EER, AP, ACC', () => {
  it('EER takes the first ROC point minimising |FNR - FPR|', () => {
    const r = equalErrorRate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(r).toEqual({ eer: 0.5, fnr: 0.5, threshold: 0.4 });
  });

  it('AP follows the step definition and treats tied scores as one threshold', () => {
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 15);
    // All tied: one threshold, precision = prevalence.
    expect(averagePrecision([0, 1, 1, 0, 1], [2, 2, 2, 2, 2])).toBeCloseTo(3 / 5, 15);
    // Tie across classes at the top: precision 1/2 for the first recall step.
    expect(averagePrecision([0, 1, 1], [0.9, 0.9, 0.1])).toBeCloseTo(0.5 * 0.5 + 0.5 * (2 / 3), 15);
  });

  it('ACC calls score >= threshold fake', () => {
    expect(accuracyAt([0, 0, 1, 1], [0.1, 0.6, 0.5, 0.8])).toBe(0.75);
    expect(accuracyAt([0, 0, 1, 1], [-1, 0.5, 0, 2], 0)).toBe(0.75);
    expect(computeMetrics([0, 1], [0.2, 0.7], { accThreshold: 0.8 }).acc).toBe(0.5);
  });
});

describe('computeMetrics and metricValue', () => {
  it('reads metrics by key, including tdr@<fdr>', () => {
    const { labels, scores } = randomSet(3, 200, 50);
    const r = computeMetrics(labels, scores);
    expect(metricValue(r, 'auc')).toBe(r.auc);
    expect(metricValue(r, 'eer')).toBe(r.eer);
    expect(metricValue(r, 'tdr@1e-2')).toBe(r.tdr[0]!.tdr);
    expect(metricValue(r, 'tdr@0.0001')).toBe(r.tdr[2]!.tdr);
    expect(errorOf(() => metricValue(r, 'tdr@0.05')).message).toContain('tdr@1e-3');
  });

  it('validates options', () => {
    expect(resolveMetricsOptions()).toEqual({ fdrs: [1e-2, 1e-3, 1e-4], accThreshold: 0.5 });
    expect(errorOf(() => resolveMetricsOptions({ fdrs: [] })).code).toBe('RFM_METRICS_BAD_OPTION');
    expect(errorOf(() => resolveMetricsOptions({ fdrs: [0.1, 0.1] })).code).toBe('RFM_METRICS_BAD_OPTION');
    expect(errorOf(() => resolveMetricsOptions({ accThreshold: NaN })).code).toBe('RFM_METRICS_BAD_OPTION');
  });
});

describe('bad input', () => {
  it('all one class is a typed error', () => {
    const e = errorOf(() => computeMetrics([1, 1, 1], [0.1, 0.2, 0.3]));
    expect(e.code).toBe('RFM_METRICS_ONE_CLASS');
    expect(e.message).toContain('fake');
    expect(errorOf(() => rocAuc([0, 0], [0.1, 0.2])).code).toBe('RFM_METRICS_ONE_CLASS');
  });

  it('a NaN or infinite score is a typed error naming its index', () => {
    const e = errorOf(() => computeMetrics([0, 1, 1], [0.1, NaN, 0.3]));
    expect(e.code).toBe('RFM_METRICS_BAD_SCORE');
    expect(e.index).toBe(1);
    expect(errorOf(() => tdrAtFdr([0, 1], [Infinity, 0.3], 0.1)).code).toBe('RFM_METRICS_BAD_SCORE');
  });

  it('bad labels, length mismatch and empty input are typed errors', () => {
    expect(errorOf(() => rocAuc([0, 2], [0.1, 0.2])).code).toBe('RFM_METRICS_BAD_LABEL');
    expect(errorOf(() => rocAuc([0, 1], [0.1])).code).toBe('RFM_METRICS_LENGTH');
    expect(errorOf(() => rocAuc([], [])).code).toBe('RFM_METRICS_EMPTY');
  });
});
