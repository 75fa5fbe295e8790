/**
 * AUC of each fake technique of a test set against all of its reals, with a bootstrap interval and,
 * for a comparison, the paired difference to the baseline on the same images. The per-region table
 * of the report (less-forgery sets, blended fakes) reads these numbers.
 *
 * @packageDocumentation
 */
import { createRng } from '@rfm/core';
import { bootstrapInterval, pairedBootstrapDifference, rocAuc } from '@rfm/metrics';

/** One fake technique of a test set, scored against every real of the set. */
export interface TechniqueResult {
  /** Technique name, e.g. `stylegan2`, `less-eyes`, `blend`. */
  readonly technique: string;
  /** Fakes of this technique. */
  readonly nFake: number;
  /** AUC of these fakes against every real. */
  readonly auc: number;
  /** 95 % percentile bootstrap interval of the AUC (reals and these fakes resampled). */
  readonly ci95: readonly [number, number];
  /** AUC minus the baseline's on the same images, with its 95 % paired-bootstrap interval (absent for the baseline). */
  readonly diffToBaseline?: { readonly auc: number; readonly ci95: readonly [number, number] };
}

/** Scores of a test set with each image's technique (`real` for reals). */
export interface TechniqueScores {
  /** 0 = real, 1 = fake. */
  readonly labels: readonly number[];
  /** Scores, higher = more likely fake. */
  readonly scores: readonly number[];
  /** Technique of every image. */
  readonly techniques: readonly string[];
}

/** Resamples and seed of the intervals (each interval restarts the seeded generator). */
export interface TechniqueBootstrap {
  /** Bootstrap resamples. */
  readonly resamples: number;
  /** Seed. */
  readonly seed: number;
}

/**
 * The fake techniques of a test set, sorted by name (code-unit order, as `@rfm/metrics` sorts them).
 *
 * @param set - labels and techniques
 */
export function fakeTechniques(set: Pick<TechniqueScores, 'labels' | 'techniques'>): string[] {
  return [...new Set(set.techniques.filter((_, i) => set.labels[i] === 1))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One {@link TechniqueResult} per fake technique: that technique's fakes against all reals.
 *
 * @param set - the scored test set
 * @param bootstrap - resamples and seed
 * @param baselineScores - the baseline's scores of the same images in the same order (paired differences)
 * @example
 * ```ts
 * techniqueResults({ labels: [0, 0, 1, 1], scores: [0.1, 0.2, 0.9, 0.15], techniques: ['real', 'real', 'stylegan2', 'less-eyes'] }, { resamples: 200, seed: 1 });
 * // [{ technique: 'less-eyes', nFake: 1, auc: 0.5, ... }, { technique: 'stylegan2', nFake: 1, auc: 1, ... }]
 * ```
 */
export function techniqueResults(set: TechniqueScores, bootstrap: TechniqueBootstrap, baselineScores?: readonly number[]): TechniqueResult[] {
  const options = () => ({ rng: createRng(bootstrap.seed), resamples: bootstrap.resamples });
  return fakeTechniques(set).map((technique): TechniqueResult => {
    const index = set.labels.flatMap((l, i) => (l === 0 || set.techniques[i] === technique ? [i] : []));
    const labels = index.map((i) => set.labels[i]!);
    const scores = index.map((i) => set.scores[i]!);
    const ci = bootstrapInterval(labels, scores, rocAuc, options());
    const result: TechniqueResult = { technique, nFake: labels.filter((l) => l === 1).length, auc: rocAuc(labels, scores), ci95: [ci.lo, ci.hi] };
    if (!baselineScores) return result;
    const d = pairedBootstrapDifference(labels, scores, index.map((i) => baselineScores[i]!), rocAuc, options());
    return { ...result, diffToBaseline: { auc: d.estimate, ci95: [d.lo, d.hi] } };
  });
}
