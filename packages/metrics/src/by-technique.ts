/**
 * Per-technique evaluation, as the paper reports DFFD: each fake technique against all reals,
 * then the unweighted mean over techniques (spec §2.11, RFM `train.py` "Test" line).
 *
 * @packageDocumentation
 */
import { computeMetrics, type MetricsReport } from './compute-metrics.js';
import { MetricsInputError } from './errors.js';
import { resolveMetricsOptions, type MetricsOptions } from './metrics-options.js';
import type { ScoredSample } from './scored-samples.js';

/** Technique assigned to fakes without one. */
export const DEFAULT_FAKE_TECHNIQUE = 'fake';

/** Result of {@link evaluateByTechnique}. */
export interface TechniqueEvaluation {
  /** All reals against all fakes, pooled. */
  readonly overall: MetricsReport;
  /** For each technique (sorted by name): all reals against that technique's fakes. */
  readonly perTechnique: Readonly<Record<string, MetricsReport>>;
  /**
   * Unweighted mean over techniques of every rate (AUC, each TDR, EER, AP, ACC). `nReal` is the
   * shared real count, `nFake` the total of fakes, `reliable` holds when it holds for every technique.
   */
  readonly meanOverTechniques: MetricsReport;
  /** The technique names, sorted. */
  readonly techniques: readonly string[];
}

/**
 * Evaluates each fake technique against all reals, plus the pooled set and the mean over techniques.
 * A real's `technique` is ignored; a fake without one counts as {@link DEFAULT_FAKE_TECHNIQUE}.
 *
 * @param samples - scored samples (label 0 = real, 1 = fake)
 * @param options - FDRs and accuracy threshold
 * @throws {@link MetricsInputError} on bad input (no real, no fake, bad score...)
 * @example
 * ```ts
 * const ev = evaluateByTechnique([
 *   { label: 0, score: 0.1 }, { label: 0, score: 0.3 },
 *   { label: 1, score: 0.9, technique: 'stylegan' }, { label: 1, score: 0.2, technique: 'faceswap' },
 * ]);
 * ev.perTechnique.stylegan.auc; // 1
 * ev.meanOverTechniques.auc; // 0.75
 * ```
 */
export function evaluateByTechnique(samples: readonly ScoredSample[], options: MetricsOptions = {}): TechniqueEvaluation {
  const o = resolveMetricsOptions(options);
  const labels = samples.map((s) => s.label);
  const scores = samples.map((s) => s.score);
  const overall = computeMetrics(labels, scores, o);

  const realScores: number[] = [];
  const fakesBy = new Map<string, number[]>();
  for (const s of samples) {
    if (s.label === 0) {
      realScores.push(s.score);
      continue;
    }
    const t = s.technique === undefined || s.technique === '' ? DEFAULT_FAKE_TECHNIQUE : s.technique;
    let list = fakesBy.get(t);
    if (!list) fakesBy.set(t, (list = []));
    list.push(s.score);
  }
  const techniques = [...fakesBy.keys()].sort(compareCodeUnits);
  const perTechnique: Record<string, MetricsReport> = {};
  for (const t of techniques) {
    const fakes = fakesBy.get(t)!;
    const l = [...realScores.map(() => 0), ...fakes.map(() => 1)];
    perTechnique[t] = computeMetrics(l, [...realScores, ...fakes], o);
  }
  const reports = techniques.map((t) => perTechnique[t]!);
  return { overall, perTechnique, meanOverTechniques: meanReport(reports), techniques };
}

/**
 * Unweighted mean of several reports over the same FDRs.
 *
 * @param reports - at least one report, all with the same FDR list
 * @throws {@link MetricsInputError} when empty or the FDR lists differ
 */
export function meanReport(reports: readonly MetricsReport[]): MetricsReport {
  const first = reports[0];
  if (!first) throw new MetricsInputError('RFM_METRICS_EMPTY', 'Cannot average zero reports.');
  for (const r of reports) {
    if (r.tdr.length !== first.tdr.length || r.tdr.some((p, i) => p.fdr !== first.tdr[i]!.fdr)) {
      throw new MetricsInputError('RFM_METRICS_BAD_OPTION', 'Reports to average must share the same FDR list.');
    }
  }
  const mean = (f: (r: MetricsReport) => number): number => reports.reduce((acc, r) => acc + f(r), 0) / reports.length;
  return {
    nReal: Math.max(...reports.map((r) => r.nReal)),
    nFake: reports.reduce((acc, r) => acc + r.nFake, 0),
    auc: mean((r) => r.auc),
    tdr: first.tdr.map((p, i) => ({
      fdr: p.fdr,
      tdr: mean((r) => r.tdr[i]!.tdr),
      reliable: reports.every((r) => r.tdr[i]!.reliable),
    })),
    eer: mean((r) => r.eer),
    ap: mean((r) => r.ap),
    acc: mean((r) => r.acc),
    accThreshold: first.accThreshold,
  };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
