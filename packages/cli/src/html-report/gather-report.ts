/**
 * Gathers the {@link ReportData} of a run from what it left on disk (run folder or comparison
 * folder) or, for `rfm eval`, from the scores in memory, and computes the figures with the
 * run's own detectors.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { evaluateByTechnique, type MetricsReport, type ScoredSample, type TechniqueEvaluation } from '@rfm/metrics';
import { loadDataset, type DatasetItem } from '@rfm/data';
import type { CliIO } from '../command.js';
import { ERASING_METHODS, erasingMethodNames } from '../erasing-methods.js';
import { splitForRun } from '../run-data.js';
import { loadRunModel } from '../run-model.js';
import { readTrainConfig, resizeForCrop, type TrainConfig } from '../train-config.js';
import type { DetectorToDraw } from './attention-figures.js';
import type { ErasingToDraw } from './erasing-grid.js';
import { techniqueResults } from '../technique-results.js';
import { forgeryTable, type TechniqueNumbers } from './forgery-table.js';
import { computeReportFigures, type ReportFigureOptions } from './report-figures.js';
import type { ReportData, ResultRow, ScoreSet } from './report-model.js';
import { readComparison, readRunLogConfig, readRunMetrics, readTestScores, type ComparisonMethodEntry } from './run-files.js';

/** The name of a run's augmentation chain (`none` for the plain baseline). */
export function augmentLabel(config: Pick<TrainConfig, 'augment'>): string {
  return config.augment.length > 0 ? config.augment.join('+') : 'none';
}

function metricsRow(name: string, m: MetricsReport): ResultRow {
  return { name, nReal: m.nReal, nFake: m.nFake, auc: m.auc, tdr: m.tdr, ap: m.ap, eer: m.eer, acc: m.acc };
}

/** Table rows of one evaluation: pooled, per technique and their mean when there are several techniques. */
export function evaluationRows(evaluation: TechniqueEvaluation): ResultRow[] {
  const rows = [metricsRow('all', evaluation.overall)];
  if (evaluation.techniques.length > 1) {
    for (const t of evaluation.techniques) rows.push(metricsRow(t, evaluation.perTechnique[t]!));
    rows.push(metricsRow('mean over techniques', evaluation.meanOverTechniques));
  }
  return rows;
}

/** Score sets of one run: pooled, plus each technique against all reals when there are several. */
export function scoreSets(samples: readonly ScoredSample[], name = 'all'): ScoreSet[] {
  const sets: ScoreSet[] = [{ name, labels: samples.map((s) => s.label), scores: samples.map((s) => s.score) }];
  const techniques = [...new Set(samples.filter((s) => s.label === 1).map((s) => s.technique ?? 'fake'))].sort();
  if (techniques.length > 1) {
    for (const t of techniques) {
      const items = samples.filter((s) => s.label === 0 || (s.technique ?? 'fake') === t);
      sets.push({ name: t, labels: items.map((s) => s.label), scores: items.map((s) => s.score) });
    }
  }
  return sets;
}

function describeBackbone(config: TrainConfig): string {
  return `${config.backbone} ${JSON.stringify(config.backboneOptions)}`;
}

/** Row label of the detector guiding a method (Random Erasing reads none). */
function guide(method: string, detector: string): string {
  return ERASING_METHODS[method]?.attention ? `guided by ${detector}` : 'random placement';
}

/** Erasing rows for a single run: its own methods, or every method for illustration when it erases nothing. */
function runErasing(config: TrainConfig, runDir: string): { erasing: ErasingToDraw[]; note?: string } {
  const load = async () => (await loadRunModel(runDir)).backbone;
  if (config.augment.length > 0) return { erasing: config.augment.map((method) => ({ method, guidedBy: guide(method, 'this run\'s detector'), load })) };
  const methods = erasingMethodNames().filter((m) => m !== 'psfe');
  return {
    erasing: methods.map((method) => ({ method, guidedBy: guide(method, 'this run\'s detector'), load })),
    note: `This run trains without erasing; the rows show what ${methods.join(', ')} would do to these images with its detector.`,
  };
}

/**
 * The report of a finished `rfm train` run, from its folder.
 *
 * @param runDir - the `--out` folder of `rfm train`
 * @param io - where progress goes
 * @param options - figure sizes
 */
export async function gatherTrainReport(runDir: string, io: CliIO, options: ReportFigureOptions = {}): Promise<ReportData> {
  const dir = resolve(runDir);
  const config = readTrainConfig(dir);
  const metrics = readRunMetrics(dir);
  const samples = readTestScores(dir);
  const log = readRunLogConfig(dir);
  const dataset = await loadDataset(config.data);
  const splits = splitForRun(dataset, config.split);
  const name = augmentLabel(config);
  const detectors: DetectorToDraw[] = [{ name, load: async () => (await loadRunModel(dir)).backbone }];
  const { erasing, note } = runErasing(config, dir);
  const figures = await computeReportFigures(
    {
      resize: config.resize,
      inputSize: config.backboneOptions.inputSize,
      detectors,
      attentionItems: splits.test,
      attentionSource: 'test split',
      erasing,
      erasingItems: splits.train,
      ...(note ? { erasingNote: note } : {}),
    },
    io,
    options,
  );
  const best = metrics.best;
  const o = metrics.test.overall;
  return {
    kind: 'train',
    title: `rfm train: ${describeBackbone(config)}, erasing ${name}`,
    summary:
      `Trained on ${config.data} for ${metrics.iterations ?? config.trainer.iterations} iterations of ${config.batch} images (seed ${config.seed}); ` +
      `the model with the best validation ${best?.metric ?? 'score'}${best ? ` (${(100 * best.value).toFixed(2)} at iteration ${best.step})` : ''} ` +
      `was scored on the ${o.nReal + o.nFake} test images (${o.nReal} real, ${o.nFake} fake).`,
    createdAt: new Date().toISOString(),
    table: { caption: `Test split, best validation model`, rows: evaluationRows(metrics.test), columns: 'train' },
    scores: scoreSets(samples),
    ...figures,
    provenance: {
      backend: [metrics.backend ?? log.backend, log.backendSummary].filter(Boolean).join(': ') || undefined,
      versions: log.versions,
      dataHash: log.dataset?.hash,
      data: config.data,
      config,
    },
  };
}

/** Bootstrap of the per-region intervals of an `rfm eval` report (as `rfm compare`'s default). */
const EVAL_BOOTSTRAP = { resamples: 2000, seed: 1 };

/** What `rfm eval` knows when it writes its report. */
export interface EvalReportInput {
  /** The run folder whose model was evaluated. */
  readonly runDir: string;
  /** Dataset folder or manifest. */
  readonly data: string;
  /** Split scored (`all`, `test`...). */
  readonly split: string;
  /** The scored items. */
  readonly items: readonly DatasetItem[];
  /** Their scores. */
  readonly samples: readonly ScoredSample[];
  /** Backend used. */
  readonly backend: string;
  /** Package and runtime versions. */
  readonly versions: Record<string, string>;
  /** SHA-256 of the dataset content. */
  readonly dataHash?: string;
}

/**
 * The report of an `rfm eval` run.
 *
 * @param input - the scored data
 * @param io - where progress goes
 * @param options - figure sizes
 */
export async function gatherEvalReport(input: EvalReportInput, io: CliIO, options: ReportFigureOptions = {}): Promise<ReportData> {
  const run = await loadRunModel(input.runDir);
  const inputSize = run.backbone.config.inputSize;
  run.backbone.dispose();
  const config = run.config;
  const resize = config?.resize ?? resizeForCrop(inputSize);
  const name = config ? augmentLabel(config) : 'model';
  const load = async () => (await loadRunModel(input.runDir)).backbone;
  let erasing: ErasingToDraw[] = [];
  let note: string | undefined;
  if (config) ({ erasing, note } = runErasing(config, run.runDir));
  const figures = await computeReportFigures(
    {
      resize,
      inputSize,
      detectors: [{ name, load }],
      attentionItems: input.items,
      attentionSource: input.split === 'all' ? 'evaluated images' : `${input.split} split`,
      erasing,
      erasingItems: input.items,
      ...(note ? { erasingNote: note } : {}),
    },
    io,
    options,
  );
  const evaluation = evaluateByTechnique(input.samples);
  const o = evaluation.overall;
  const perTechnique = techniqueResults(
    { labels: input.samples.map((s) => s.label), scores: input.samples.map((s) => s.score), techniques: input.samples.map((s) => s.technique ?? 'fake') },
    EVAL_BOOTSTRAP,
  );
  const table6 = forgeryTable([{ name, techniques: perTechnique }], `${input.data} (${input.split}): each set of fakes against all ${o.nReal} reals`);
  return {
    kind: 'eval',
    title: `rfm eval: ${run.runDir} on ${input.data}`,
    summary: `The best model of ${run.runDir} (${run.backbone.config.name} at ${inputSize} px, erasing ${name}) scored ${o.nReal + o.nFake} images (${o.nReal} real, ${o.nFake} fake; ${input.split === 'all' ? 'whole dataset' : `${input.split} split of the run`}).`,
    createdAt: new Date().toISOString(),
    table: { caption: `${input.data} (${input.split})`, rows: evaluationRows(evaluation), columns: 'eval' },
    ...(table6 ? { forgeryTable: table6 } : {}),
    scores: scoreSets(input.samples),
    ...figures,
    provenance: { backend: input.backend, versions: input.versions, dataHash: input.dataHash, data: input.data, config: config ?? null },
  };
}

/** The run folder of a comparison entry (`run` may be relative to the comparison folder or absolute). */
export function comparisonRunDir(dir: string, entry: ComparisonMethodEntry): string {
  return resolve(dir, entry.run ?? entry.method);
}

/**
 * The report of an `rfm compare` folder: `comparison.json` for the table, each method's run folder
 * for scores and detectors.
 *
 * @param compareDir - the `--out` folder of `rfm compare`
 * @param io - where progress goes
 * @param options - figure sizes
 */
export async function gatherComparisonReport(compareDir: string, io: CliIO, options: ReportFigureOptions = {}): Promise<ReportData> {
  const dir = resolve(compareDir);
  const comparison = readComparison(dir);
  const config = comparison.config;
  const baseline = comparison.baseline ?? (comparison.methods.some((m) => m.method === 'none') ? 'none' : undefined);
  const multiSeed = new Set(comparison.methods.map((m) => m.seed)).size > 1;
  const rows: ResultRow[] = comparison.methods.map((m) => {
    const o = m.test?.overall;
    return {
      name: m.method,
      ...(multiSeed ? { detail: `seed ${m.seed ?? config.seed}` } : {}),
      ...(o ? { nReal: o.nReal, nFake: o.nFake, auc: o.auc, tdr: o.tdr, ap: o.ap, eer: o.eer, acc: o.acc } : {}),
      ...(m.ci95?.auc ? { aucCi95: m.ci95.auc } : {}),
      ...(m.ci95?.ap ? { apCi95: m.ci95.ap } : {}),
      ...(m.diffToBaseline
        ? {
            diff: {
              auc: m.diffToBaseline.auc,
              ...(m.diffToBaseline.ci95 ? { aucCi95: m.diffToBaseline.ci95 } : {}),
              ap: m.diffToBaseline.ap,
              ...(m.diffToBaseline.apCi95 ? { apCi95: m.diffToBaseline.apCi95 } : {}),
            },
          }
        : {}),
      ...(m.best ? { best: m.best } : {}),
      ...(m.ms !== undefined ? { ms: m.ms } : {}),
    };
  });
  const table6 = forgeryTable(
    comparison.methods.flatMap((m) => {
      const techniques: readonly TechniqueNumbers[] | undefined =
        m.techniques ?? (m.test ? m.test.techniques.map((t) => ({ technique: t, nFake: m.test!.perTechnique[t]!.nFake, auc: m.test!.perTechnique[t]!.auc })) : undefined);
      return techniques ? [{ name: m.method, ...(multiSeed ? { detail: `seed ${m.seed ?? config.seed}` } : {}), techniques }] : [];
    }),
    'Test split, best validation model of each method: each set of fakes against all test reals',
    baseline,
  );
  // Figures and curves use one run per method: the first seed listed.
  const firstRuns = comparison.methods.filter((m, i, all) => all.findIndex((x) => x.method === m.method) === i);
  const scores: ScoreSet[] = firstRuns.map((m) => {
    const samples = readTestScores(comparisonRunDir(dir, m));
    return { name: m.method, labels: samples.map((s) => s.label), scores: samples.map((s) => s.score) };
  });
  const firstLog = firstRuns.length > 0 ? readRunLogConfig(comparisonRunDir(dir, firstRuns[0]!)) : {};
  const dataset = await loadDataset(config.data);
  const splits = splitForRun(dataset, config.split);
  const loader = (m: ComparisonMethodEntry) => async () => (await loadRunModel(comparisonRunDir(dir, m))).backbone;
  const figures = await computeReportFigures(
    {
      resize: config.resize,
      inputSize: config.backboneOptions.inputSize,
      detectors: firstRuns.map((m) => ({ name: m.method, load: loader(m) })),
      attentionItems: splits.test,
      attentionSource: 'test split',
      erasing: firstRuns.filter((m) => m.method !== 'none').map((m) => ({ method: m.method, guidedBy: guide(m.method, `the ${m.method} detector`), load: loader(m) })),
      erasingItems: splits.train,
    },
    io,
    options,
  );
  const test = firstRuns[0]?.test?.overall;
  const methods = firstRuns.map((m) => m.method);
  return {
    kind: 'compare',
    title: `rfm compare: ${methods.join(', ')} on ${config.data}`,
    summary:
      `${methods.length} detectors (${describeBackbone(config)}, ${config.trainer.iterations} iterations, batch ${config.batch}) trained with the same split, initial weights and batch order, ` +
      `one per erasing method${baseline ? ` (${baseline} is the baseline)` : ''}, and scored on the same ${test ? `${test.nReal + test.nFake} test images (${test.nReal} real, ${test.nFake} fake)` : 'test images'}.` +
      (multiSeed ? ' Curves and figures show the first seed of each method.' : ''),
    createdAt: new Date().toISOString(),
    table: {
      caption: 'Test split, best validation model of each method',
      rows,
      columns: 'compare',
      ...(baseline ? { baseline } : {}),
      ...(comparison.seeds ? { seeds: comparison.seeds } : {}),
    },
    ...(table6 ? { forgeryTable: table6 } : {}),
    scores,
    ...figures,
    provenance: {
      backend: comparison.backend ?? ([firstLog.backend, firstLog.backendSummary].filter(Boolean).join(': ') || undefined),
      versions: comparison.versions ?? firstLog.versions,
      dataHash: comparison.dataHash ?? firstLog.dataset?.hash,
      data: config.data,
      config,
    },
  };
}
