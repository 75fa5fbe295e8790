/**
 * The result of `rfm compare`: per-run test metrics with bootstrap confidence intervals, paired
 * differences to the baseline over the same test images, the summary across seeds, and their
 * Markdown tables. The shape of `comparison.json` (schema 2) is {@link ComparisonFile}.
 *
 * @packageDocumentation
 */
import { createRng } from '@rfm/core';
import {
  averagePrecision,
  bootstrapInterval,
  meanAndStd,
  pairedBootstrapDifference,
  rocAuc,
  type BootstrapInterval,
  type TechniqueEvaluation,
} from '@rfm/metrics';
import type { BestScore } from '@rfm/core';
import { formatDuration } from './progress.js';
import { fakeTechniques, techniqueResults, type TechniqueResult } from './technique-results.js';

/** Test scores of one finished run, aligned by image id. */
export interface RunScores {
  /** Image ids, in test order. */
  readonly ids: readonly string[];
  /** 0 = real, 1 = fake. */
  readonly labels: readonly (0 | 1)[];
  /** Scores (P(fake)). */
  readonly scores: readonly number[];
  /** Technique of every image (`real` for reals); gives the per-technique results when there are several fake techniques. */
  readonly techniques?: readonly string[];
}

/** One finished run as the comparison needs it. */
export interface FinishedRun {
  /** Method name (`none` = baseline). */
  readonly method: string;
  /** Training seed. */
  readonly seed: number;
  /** Run folder relative to the comparison folder. */
  readonly run: string;
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Test evaluation of the best validation model. */
  readonly test: TechniqueEvaluation;
  /** Test scores. */
  readonly scores: RunScores;
  /** Training wall time, ms. */
  readonly ms: number;
}

/** A difference to the baseline with its paired bootstrap interval. */
export interface BaselineDifference {
  /** AUC(method) − AUC(baseline). */
  readonly auc: number;
  /** 95 % paired bootstrap interval of the AUC difference. */
  readonly ci95: readonly [number, number];
  /** AP(method) − AP(baseline). */
  readonly ap: number;
  /** 95 % paired bootstrap interval of the AP difference. */
  readonly apCi95: readonly [number, number];
}

/** One row of `comparison.json`. */
export interface ComparisonEntry {
  /** Method name. */
  readonly method: string;
  /** Training seed. */
  readonly seed: number;
  /** Run folder relative to the comparison folder. */
  readonly run: string;
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Test evaluation of the best validation model. */
  readonly test: TechniqueEvaluation;
  /** Training wall time, ms. */
  readonly ms: number;
  /** 95 % percentile bootstrap intervals over the test images. */
  readonly ci95: { readonly auc: readonly [number, number]; readonly ap: readonly [number, number] };
  /** Paired difference to the baseline run of the same seed (absent for the baseline itself). */
  readonly diffToBaseline?: BaselineDifference;
  /**
   * Each fake technique against all test reals, with intervals and paired differences to the
   * baseline (only when the test images hold more than one fake technique, e.g. less-forgery sets).
   */
  readonly techniques?: readonly TechniqueResult[];
}

/** Mean and standard deviation across seeds of one method. */
export interface SeedSummary {
  /** Method name. */
  readonly method: string;
  /** Number of seeds. */
  readonly n: number;
  /** Test AUC across seeds. */
  readonly auc: { readonly mean: number; readonly std: number };
  /** AUC difference to the baseline across seeds (absent for the baseline). */
  readonly diffToBaseline?: { readonly mean: number; readonly std: number };
}

/** Rows, per-seed summary and baseline of one comparison. */
export interface ComparisonResult {
  /** Baseline method (`none`), when it ran. */
  readonly baseline?: string;
  /** One entry per run. */
  readonly methods: readonly ComparisonEntry[];
  /** Mean and std across seeds (only with more than one seed). */
  readonly seeds?: readonly SeedSummary[];
}

/** The baseline method of paired differences. */
export const BASELINE_METHOD = 'none';

const pair = (ci: BootstrapInterval): [number, number] => [ci.lo, ci.hi];

/**
 * Computes intervals and paired differences for finished runs. The baseline of a run is the
 * `none` run with the same seed; both must have scored the same test images.
 *
 * @param runs - finished runs
 * @param bootstrap - resamples and seed (each interval restarts the seeded generator)
 * @throws Error when a run and its baseline scored different images (a bug, not user input)
 */
export function summarizeComparison(runs: readonly FinishedRun[], bootstrap: { resamples: number; seed: number }): ComparisonResult {
  const options = () => ({ rng: createRng(bootstrap.seed), resamples: bootstrap.resamples });
  const hasBaseline = runs.some((r) => r.method === BASELINE_METHOD);
  const methods = runs.map((r): ComparisonEntry => {
    const { labels, scores } = r.scores;
    const entry: ComparisonEntry = {
      method: r.method,
      seed: r.seed,
      run: r.run,
      best: r.best,
      test: r.test,
      ms: r.ms,
      ci95: { auc: pair(bootstrapInterval(labels, scores, rocAuc, options())), ap: pair(bootstrapInterval(labels, scores, averagePrecision, options())) },
    };
    const base = r.method === BASELINE_METHOD ? undefined : runs.find((b) => b.method === BASELINE_METHOD && b.seed === r.seed);
    const baseScores = base ? alignScores(base.scores, r.scores.ids) : undefined;
    const techniques = r.scores.techniques;
    const perTechnique =
      techniques && fakeTechniques({ labels, techniques }).length > 1 ? { techniques: techniqueResults({ labels, scores, techniques }, bootstrap, baseScores) } : {};
    if (!baseScores) return { ...entry, ...perTechnique };
    const dAuc = pairedBootstrapDifference(labels, scores, baseScores, rocAuc, options());
    const dAp = pairedBootstrapDifference(labels, scores, baseScores, averagePrecision, options());
    return { ...entry, diffToBaseline: { auc: dAuc.estimate, ci95: pair(dAuc), ap: dAp.estimate, apCi95: pair(dAp) }, ...perTechnique };
  });
  const seedsRun = new Set(runs.map((r) => r.seed));
  if (seedsRun.size <= 1) return { ...(hasBaseline ? { baseline: BASELINE_METHOD } : {}), methods };
  const names = [...new Set(runs.map((r) => r.method))];
  const seeds = names.map((method): SeedSummary => {
    const rows = methods.filter((m) => m.method === method);
    const diffs = rows.flatMap((m) => (m.diffToBaseline ? [m.diffToBaseline.auc] : []));
    return {
      method,
      n: rows.length,
      auc: meanAndStd(rows.map((m) => m.test.overall.auc)),
      ...(diffs.length > 0 ? { diffToBaseline: meanAndStd(diffs) } : {}),
    };
  });
  return { ...(hasBaseline ? { baseline: BASELINE_METHOD } : {}), methods, seeds };
}

/**
 * The baseline's scores in the order of `ids`.
 *
 * @param base - baseline scores
 * @param ids - image order of the other run
 */
function alignScores(base: RunScores, ids: readonly string[]): number[] {
  const byId = new Map(base.ids.map((id, i) => [id, base.scores[i]!]));
  if (byId.size !== ids.length) throw new Error(`baseline scored ${byId.size} test images, the run ${ids.length}`);
  return ids.map((id) => {
    const s = byId.get(id);
    if (s === undefined) throw new Error(`test image ${id} has no baseline score`);
    return s;
  });
}

const pct = (x: number | undefined, digits = 1) => (x === undefined ? '-' : (100 * x).toFixed(digits));
const ci = (c: readonly [number, number] | undefined) => (c ? `[${pct(c[0])}, ${pct(c[1])}]` : '');
const signed = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;

/**
 * The comparison as Markdown: one row per run, then (with several seeds) mean ± std per method.
 * Percentages; TDRs marked `*` are unreliable (fewer than 1/FDR reals in the test split).
 *
 * @param result - the summarized comparison
 */
export function comparisonMarkdown(result: ComparisonResult): string {
  const multiSeed = result.seeds !== undefined;
  const header = `| method |${multiSeed ? ' seed |' : ''} test AUC [95% CI] | Δ AUC vs ${result.baseline ?? BASELINE_METHOD} [95% CI] | TDR@1e-2 | TDR@1e-3 | AP [95% CI] | Δ AP [95% CI] | EER | best val AUC (iter) | time |`;
  const sep = `| --- |${multiSeed ? ' ---: |' : ''} ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`;
  let unreliable = false;
  const lines = result.methods.map((m) => {
    const t = m.test.overall;
    const tdr = (a: number) => {
      const p = t.tdr.find((q) => q.fdr === a);
      if (!p) return '-';
      if (!p.reliable) unreliable = true;
      return `${pct(p.tdr)}${p.reliable ? '' : '*'}`;
    };
    const d = m.diffToBaseline;
    const best = m.best ? `${pct(m.best.value)} (${m.best.step})` : '-';
    return (
      `| ${m.method} |${multiSeed ? ` ${m.seed} |` : ''} ${pct(t.auc)} ${ci(m.ci95.auc)} | ${d ? `${signed(d.auc)} ${ci(d.ci95)}` : '(baseline)'} | ` +
      `${tdr(1e-2)} | ${tdr(1e-3)} | ${pct(t.ap)} ${ci(m.ci95.ap)} | ${d ? `${signed(d.ap)} ${ci(d.apCi95)}` : '-'} | ${pct(t.eer)} | ${best} | ${formatDuration(m.ms)} |`
    );
  });
  const parts = [[header, sep, ...lines].join('\n')];
  if (unreliable) {
    const nReal = result.methods[0]?.test.overall.nReal ?? 0;
    parts.push(`\\* unreliable: the test split has ${nReal} reals, fewer than 1/FDR, so this TDR rests on zero allowed false positives.`);
  }
  const perTechnique = result.methods.filter((m) => m.techniques !== undefined);
  if (perTechnique.length > 0) {
    const names = [...new Set(perTechnique.flatMap((m) => m.techniques!.map((t) => t.technique)))];
    const cell = (t: TechniqueResult | undefined) =>
      t ? `${pct(t.auc)} ${ci(t.ci95)}${t.diffToBaseline ? `, Δ ${signed(t.diffToBaseline.auc)} ${ci(t.diffToBaseline.ci95)}` : ''}` : '-';
    const rows = perTechnique.map((m) => `| ${m.method} |${multiSeed ? ` ${m.seed} |` : ''} ${names.map((n) => cell(m.techniques!.find((t) => t.technique === n))).join(' | ')} |`);
    parts.push(
      [
        `Per fake technique (AUC of its fakes against all test reals [95% CI], Δ vs ${result.baseline ?? BASELINE_METHOD} [paired 95% CI]):`,
        '',
        `| method |${multiSeed ? ' seed |' : ''} ${names.join(' | ')} |`,
        `| --- |${multiSeed ? ' ---: |' : ''}${names.map(() => ' ---: |').join('')}`,
        ...rows,
      ].join('\n'),
    );
  }
  if (result.seeds) {
    const rows = result.seeds.map(
      (s) =>
        `| ${s.method} | ${s.n} | ${pct(s.auc.mean, 2)} ± ${pct(s.auc.std, 2)} | ${s.diffToBaseline ? `${signed(s.diffToBaseline.mean)} ± ${pct(s.diffToBaseline.std, 2)}` : '(baseline)'} |`,
    );
    parts.push(['Across seeds (mean ± standard deviation):', '', '| method | seeds | test AUC | Δ AUC vs baseline |', '| --- | ---: | ---: | ---: |', ...rows].join('\n'));
  }
  return parts.join('\n\n');
}

/**
 * Reads a difference's verdict: whether its interval excludes zero.
 *
 * @param d - a paired difference
 */
export function differenceVerdict(d: BaselineDifference): 'better' | 'worse' | 'no clear difference' {
  if (d.ci95[0] > 0) return 'better';
  if (d.ci95[1] < 0) return 'worse';
  return 'no clear difference';
}
