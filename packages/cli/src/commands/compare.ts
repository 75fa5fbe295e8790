/**
 * `rfm compare`: trains one detector per erasing method under identical settings and seeds, and
 * compares them on the same test split (RFM Table 3 style) with bootstrap confidence intervals and
 * paired differences to the plain baseline; with several budgets, a sweep over training length.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, errorMessage, writeFileAtomic } from '@rfm/core';
import { countItems, loadDataset, splitDataset } from '@rfm/data';
import { createBackbone } from '@rfm/models';
import type { BackendChoice } from '@rfm/backend';
import { QueueError } from '@rfm/queue';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand, type CliIO } from '../command.js';
import {
  checkMethods,
  DEFAULT_COMPARE_METHODS,
  experimentRun,
  readCompareConfig,
  seedList,
  type CompareConfig,
  type MethodChoice,
} from '../compare-config.js';
import { comparisonMarkdown, differenceVerdict, summarizeComparison, type ComparisonResult, type FinishedRun } from '../comparison.js';
import { createErasing } from '../erasing-methods.js';
import { writeComparisonReport } from '../html-report/write-report.js';
import { openQueue } from '../jobs/open-queue.js';
import { gridRuns, runGridOnQueue, type MissingRun } from '../jobs/queued-grid.js';
import { formatDuration } from '../progress.js';
import { writeRocChartSeries } from '../report.js';
import { RunImageStores } from '../run-data.js';
import { runTraining } from '../run-training.js';
import { versions } from '../versions.js';
import { modelThreadsSuggestion } from '../thread-suggestions.js';
import { commandHelp, parseFlags, type FlagSpec, type Flags } from '../flags.js';
import { configFromFlags, DATA_FLAG, MODEL_FLAGS, SCHEDULE_FLAGS } from './train.js';

const METHODS = ['none', 'ae', 'psfe', 're', 'sfe'];

/** Flags of `rfm compare`: the training flags except --augment and --resume, plus --methods, --seeds and --config. */
export const COMPARE_FLAGS: readonly FlagSpec[] = [
  DATA_FLAG,
  { name: 'out', kind: 'string', value: 'DIR', help: 'comparison folder (created; or "out" in the --config file)' },
  { name: 'methods', kind: 'list', value: 'LIST', choices: METHODS, help: `comma-separated or repeated; default ${DEFAULT_COMPARE_METHODS.join(',')} (${METHODS.join(', ')})` },
  { name: 'seeds', kind: 'int', value: 'K', min: 1, max: 1000, help: 'repeat every method over K training seeds (--seed, --seed+1, ...); adds mean and\nstandard deviation across seeds' },
  {
    name: 'config',
    kind: 'string',
    value: 'FILE',
    help:
      'the whole experiment in one JSON file (then only --out, --queue and the backend flags may be given):\n{"data", "backbone", "backboneOptions", "size", "resize", "methods": ["none",\n{"name": "sfe", "options": {"blocks", "maxSize", "probability"}}], "iterations" or\n"budgets": [N, ...] (a sweep: one comparison per budget, each run extended by resume;\nwith --queue each budget is its own run, DIR/<method>[/seed-S]/iterations-N),\n"seeds": K or [S, ...], "seed", "batch", "lr", "flood", "evalEvery", "selectOn",\n"split": {"validation", "test", "seed"}, "bootstrap": {"resamples", "seed"}, "out"}',
  },
  {
    name: 'queue',
    kind: 'string',
    value: 'URL',
    help:
      'run every (method, seed, option values, budget) as a job on rfm workers (rfm worker\n--queue URL, any number of machines sharing the data and DIR paths); job ids come\nfrom the resolved run configurations, so running the same command again adds no job\nand resumes the grid; the report lists runs that failed for good as missing (see\ndocs/scale-out.md)',
  },
  ...MODEL_FLAGS,
  ...SCHEDULE_FLAGS,
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm compare --data DIR --out DIR [--methods none,sfe,re,ae,psfe] [--seeds K] [rfm train options]\n       rfm compare --config FILE.json [--out DIR] [--backend B] [--queue redis://HOST:PORT]',
  `Trains one detector per erasing method with the same data split, backbone, initial weights, batch
order and schedule, then prints one row per method with the test metrics of its best validation
model: AUC and AP with 95% bootstrap intervals over the test images, TDR@1e-2/1e-3 (* = too few
reals to be reliable), EER, and the paired difference to the plain baseline "none" with its 95%
interval (same test images resampled for both: an interval that excludes 0 is a real difference).
When the test split holds several fake techniques (e.g. the less-forgery sets of rfm less-forgery
beside their full fakes), a second table gives each technique's AUC and paired difference, and
report.html the per-region table (paper Table 6).
Writes DIR/<method>/ (a full rfm train run each; DIR/<method>/seed-S with --seeds), DIR/comparison.json,
DIR/comparison.md, DIR/roc.svg, DIR/compare-config.json (the resolved experiment) and DIR/report.html
(one self-contained page: the table, ROC curves on a log FDR axis, score histograms, average FAMs per
method with their similarity, the same faces as erased by each method, config and versions). Every
rfm train option except --augment and --resume applies to each run.`,
  COMPARE_FLAGS,
  `Example (the README's main job: about 6 minutes on a 2-core CPU with wasm, less with native TensorFlow):
  rfm compare --data data/ffhq-tpdne-4k --out runs/compare`,
);

/** Relative cost of one iteration of each method before any is measured (a FAM or CAM pass per SFE/AE iteration). */
const COST_PRIOR: Readonly<Record<string, number>> = { none: 1, re: 1, sfe: 1.6, ae: 1.6, psfe: 2.8 };

/** Bootstrap defaults of the comparison. */
const BOOTSTRAP_DEFAULTS = { resamples: 2000, seed: 1 };

/** The `compare` command. */
export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'train one detector per erasing method (none, sfe, re, ae, psfe) and compare them with confidence intervals',
  help: HELP,
  flags: COMPARE_FLAGS,
  async run(args, io) {
    if (args.includes('--augment')) throw new CliUsageError('compare: use --methods instead of --augment');
    if (args.includes('--resume')) throw new CliUsageError('compare: --resume is for single runs (rfm train --resume --out DIR/<method>)');
    const f = parseFlags('compare', args, COMPARE_FLAGS);
    const { config, out } = resolvePlan(f);
    const report = await startBackend(f, io, 'auto', modelThreadsSuggestion(config.train));
    await checkPlan(config);
    mkdirSync(out, { recursive: true });
    writeFileAtomic(join(out, 'compare-config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const writeSweep = (results: readonly ComparisonResult[], dataHash: string, missing: readonly MissingRun[] = []) => {
      if (config.budgets.length < 2) return;
      const complete = results.length === config.budgets.length && missing.length === 0;
      const note = results.length < config.budgets.length ? '\n(partial: later budgets still running)\n' : '';
      writeFileAtomic(join(out, 'sweep.md'), `${sweepMarkdown(config, results)}${missingRunsMarkdown(missing)}\n${note}`);
      writeFileAtomic(
        join(out, 'sweep.json'),
        `${JSON.stringify({ schema: 1, complete, backend: tf.getBackend(), dataHash, budgets: results.map((r, i) => ({ iterations: config.budgets[i], ...r })), ...(missing.length > 0 ? { missing } : {}) }, null, 2)}\n`,
      );
    };
    const queueUrl = f.string('queue');
    const outcome =
      queueUrl === undefined ? await runPlan(config, out, io, report.summary, writeSweep) : await runPlanOnQueue(config, out, io, queueUrl, f.string<BackendChoice>('backend') ?? 'auto');
    if (typeof outcome === 'number') return outcome;
    const { results, dataHash } = outcome;
    const last = results[results.length - 1]!;
    const base = config.train;
    const budget = config.budgets[config.budgets.length - 1]!;
    const header =
      `Erasing methods compared on the test split of ${base.data} (${base.backbone} ${JSON.stringify(base.backboneOptions)}, ` +
      `${budget} iterations, seed${config.seeds.length > 1 ? 's' : ''} ${config.seeds.join(', ')}, ${tf.getBackend()}; percentages, ` +
      `95% bootstrap intervals over ${(last.methods[0]?.test.overall.nReal ?? 0) + (last.methods[0]?.test.overall.nFake ?? 0)} test images, ${config.bootstrap.resamples} resamples)`;
    const missing: readonly MissingRun[] = 'missing' in outcome ? (outcome.missing as MissingRun[]) : [];
    if ('missing' in outcome) writeSweep(results, dataHash, missing);
    if (outcome.finalRuns.length === 0) {
      throw new QueueError('RFM_GRID_INCOMPLETE', `compare: no run of ${budget} iterations finished (${missing.length} run(s) missing, listed above); fix the cause and submit the grid again`);
    }
    const finalMissing = missing.filter((m) => m.iterations === budget);
    const table = comparisonMarkdown(last) + missingRunsMarkdown(finalMissing);
    writeFileAtomic(join(out, 'comparison.md'), `${header}\n\n${table}\n`);
    writeFileAtomic(join(out, 'comparison.json'), `${JSON.stringify({ ...comparisonFile(config, last, dataHash), ...(finalMissing.length > 0 ? { missing: finalMissing } : {}) }, null, 2)}\n`);
    await writeRocChartSeries(
      outcome.finalRuns.map((r) => ({
        name: config.seeds.length > 1 ? `${r.method} s${r.seed}` : r.method,
        samples: r.scores.labels.map((label, i) => ({ label, score: r.scores.scores[i]! })),
      })),
      join(out, 'roc.svg'),
      `Erasing methods: test split of ${base.data}`,
    );
    const written = ['comparison.md', 'comparison.json', 'roc.svg', 'compare-config.json'];
    if (config.budgets.length > 1) {
      written.push('sweep.md', 'sweep.json');
      io.out(`${sweepMarkdown(config, results)}\n\n`);
    }
    io.out(`${header}\n\n${table}\n`);
    // comparison.json is complete here: later steps (reports) read it from `out`.
    io.err(`comparison written to ${out} (${written.join(', ')})\n`);
    await writeComparisonReport(out, io);
  },
};

/**
 * The resolved experiment and output folder from the flags (or from `--config`).
 *
 * @param p - parsed flags
 */
function resolvePlan(f: Flags): { config: CompareConfig; out: string } {
  const file = f.string('config');
  const outFlag = f.string('out');
  if (file !== undefined) {
    const extra = COMPARE_FLAGS.map((s) => s.name).filter((k) => !['config', 'out', 'backend', 'wasm-threads', 'tf-threads', 'queue'].includes(k) && f.has(k));
    if (extra.length > 0) throw new CliUsageError(`compare: with --config put --${extra[0]} in the file (only --out, --queue, --backend, --wasm-threads and --tf-threads may be given beside it)`);
    const path = resolve(file);
    if (!existsSync(path)) throw new CliUsageError(`compare: --config ${path} does not exist`);
    const defaults = configFromFlags(parseFlags('compare', ['--data', '.'], COMPARE_FLAGS));
    const { config, out } = readCompareConfig(path, {
      train: { ...defaults, data: '' },
      methods: DEFAULT_COMPARE_METHODS.map((name) => ({ name, options: {} })),
      seeds: [defaults.seed],
      budgets: [defaults.trainer.iterations],
      bootstrap: BOOTSTRAP_DEFAULTS,
    });
    if (config.train.data === '') throw new CliUsageError(`compare: config ${path}: field "data" is required (a dataset folder or CSV manifest)`);
    const chosenOut = outFlag ?? out;
    if (chosenOut === undefined) throw new CliUsageError(`compare: give --out DIR or the field "out" in ${path}`);
    return { config, out: resolve(chosenOut) };
  }
  if (outFlag === undefined) throw new CliUsageError('compare: --out is required');
  const train = configFromFlags(f);
  const listed = f.list('methods');
  const methods: MethodChoice[] = (listed.length > 0 ? listed : DEFAULT_COMPARE_METHODS).map((name) => ({ name, options: {} }));
  checkMethods(methods, () => '--methods');
  const k = f.number('seeds') ?? 1;
  return {
    config: { version: 1, train, methods, seeds: seedList(train.seed, k), budgets: [train.trainer.iterations], bootstrap: BOOTSTRAP_DEFAULTS },
    out: resolve(outFlag),
  };
}

/**
 * Checks what can only be checked against the data and the backend, before anything is written:
 * both classes present and at least 2 images per class in every split; the backbone and the
 * methods accept their options.
 *
 * @param config - the experiment
 * @throws {@link CliUsageError} naming the problem
 */
async function checkPlan(config: CompareConfig): Promise<void> {
  const t = config.train;
  let dataset;
  try {
    dataset = await loadDataset(t.data);
  } catch (e) {
    throw new CliUsageError(`compare: data ${t.data}: ${errorMessage(e)}`);
  }
  const all = countItems(dataset.items);
  if (all.real === 0 || all.fake === 0) {
    throw new CliUsageError(`compare: data ${t.data} holds only ${all.real === 0 ? 'fake' : 'real'} images (${dataset.items.length}); a comparison needs real and fake images`);
  }
  const splits = splitDataset(dataset, { seed: t.split.seed, fractions: { train: 1 - t.split.validation - t.split.test, validation: t.split.validation, test: t.split.test } });
  for (const name of ['train', 'validation', 'test'] as const) {
    const c = countItems(splits[name]);
    if (c.real < 2 || c.fake < 2) {
      throw new CliUsageError(
        `compare: the ${name} split of ${t.data} has ${c.real} real and ${c.fake} fake images; every split needs at least 2 of each (add images or change the split fractions)`,
      );
    }
  }
  try {
    createBackbone(t.backbone, t.backboneOptions, createRng(0)).dispose();
  } catch (e) {
    throw new CliUsageError(`compare: backbone ${t.backbone} ${JSON.stringify(t.backboneOptions)}: ${errorMessage(e)}`);
  }
  for (const [i, m] of config.methods.entries()) {
    if (m.name === 'none') continue;
    try {
      createErasing(m.name, { ...m.options, inputSize: t.backboneOptions.inputSize }).dispose?.();
    } catch (e) {
      throw new CliUsageError(`compare: methods[${i}] (${m.name}) options ${JSON.stringify(m.options)}: ${errorMessage(e)}`);
    }
  }
}

/**
 * Runs every (budget, seed, method): budget by budget, each run extended from the previous budget
 * by resume (identical to a run of that length, since budgets are multiples of the validation
 * interval and nothing in the schedule depends on the total), so that the comparison of each
 * budget is complete (and, for a sweep, written by `onBudget`) before the next budget starts.
 * Resolves to the run's exit code (130 or 143) when a signal stopped it.
 */
async function runPlan(
  config: CompareConfig,
  out: string,
  io: CliIO,
  backendSummary: string,
  onBudget: (results: readonly ComparisonResult[], dataHash: string) => void = () => {},
): Promise<{ results: ComparisonResult[]; finalRuns: FinishedRun[]; dataHash: string } | number> {
  const { seeds, methods, budgets } = config;
  const runs = seeds.flatMap((seed) => methods.map((m) => ({ seed, method: m })));
  const segments = budgets.flatMap((budget, b) => runs.map((r) => ({ ...r, b, budget, iterations: budget - (b > 0 ? budgets[b - 1]! : 0) })));
  const results: ComparisonResult[] = [];
  const eta = new OverallEta(segments.map((s) => ({ method: s.method.name, iterations: s.iterations })));
  let dataHash = '';
  let finished: FinishedRun[] = [];
  // Every run reads the same dataset at the same size: decode it once.
  const imageStores = new RunImageStores();
  for (const [i, { seed, method, b, budget }] of segments.entries()) {
    const { run: runDir, train } = experimentRun(config, method, seed, budget);
    const sweepNote = budgets.length > 1 ? ` to ${budget} iterations` : '';
    io.err(`\n[${i + 1}/${segments.length}] ${method.name}${seeds.length > 1 ? `, seed ${seed}` : ''}${sweepNote}\n`);
    const outcome = await runTraining(train, join(out, runDir), io, {
      resume: b > 0,
      backendSummary,
      imageStores,
      label: method.name.padEnd(5),
      onStep: (step, total, etaMs) => ` | all ${formatDuration(eta.remaining(i, total > step ? etaMs / (total - step) : Number.NaN, etaMs))}`,
    });
    if (!outcome.completed) {
      io.err(`stopped during ${method.name}; the finished runs are in ${out}\n`);
      return outcome.exitCode;
    }
    eta.finish(i, outcome.ms);
    dataHash = outcome.dataHash ?? dataHash;
    finished.push({
      method: method.name,
      seed,
      run: runDir,
      best: outcome.best,
      test: outcome.test!,
      ms: outcome.ms,
      scores: { ids: outcome.ids!, labels: outcome.samples!.map((s) => s.label), scores: outcome.samples!.map((s) => s.score), techniques: outcome.samples!.map((s) => s.technique ?? 'fake') },
    });
    if (finished.length === runs.length) {
      results.push(summarizeComparison(finished, config.bootstrap));
      onBudget(results, dataHash);
      if (b < budgets.length - 1) finished = [];
    }
  }
  return { results, finalRuns: finished, dataHash };
}

/**
 * Runs the grid as jobs on `--queue` (one per method, seed and budget) and gathers the finished
 * runs, one comparison per budget; the runs that failed for good are returned as missing.
 */
async function runPlanOnQueue(
  config: CompareConfig,
  out: string,
  io: CliIO,
  url: string,
  backend: BackendChoice,
): Promise<{ results: ComparisonResult[]; finalRuns: FinishedRun[]; dataHash: string; missing: MissingRun[] }> {
  const queue = await openQueue(url, 1);
  try {
    const runs = gridRuns(config, out, backend);
    const { finished, missing, dataHash } = await runGridOnQueue(queue, runs, io);
    for (const m of missing) io.err(`compare: missing ${m.run}: ${m.reason}\n`);
    const budgetOf = new Map(runs.map((r) => [r.run, r.iterations]));
    const perBudget = config.budgets.map((b) => finished.filter((r) => budgetOf.get(r.run) === b));
    return { results: perBudget.map((f) => summarizeComparison(f, config.bootstrap)), finalRuns: perBudget[perBudget.length - 1]!, dataHash, missing };
  } finally {
    await queue.close();
  }
}

/** The missing runs under the comparison table (empty when none). */
function missingRunsMarkdown(missing: readonly MissingRun[]): string {
  if (missing.length === 0) return '';
  return `\n\nMissing runs (not in the table; submit the grid again to retry them):\n\n${missing.map((m) => `- ${m.run} (seed ${m.seed}, ${m.iterations} iterations): ${m.reason}`).join('\n')}`;
}

/**
 * Overall remaining time: the current segment's own ETA plus, for every later segment, its
 * iterations at the measured time per iteration of its method (or, before one is measured, of any
 * measured method scaled by {@link COST_PRIOR}).
 */
class OverallEta {
  private readonly msPerIteration = new Map<string, number>();

  constructor(private readonly segments: readonly { method: string; iterations: number }[]) {}

  /** Records a finished segment's wall time. */
  finish(segment: number, ms: number): void {
    const s = this.segments[segment]!;
    if (s.iterations > 0) this.msPerIteration.set(s.method, ms / s.iterations);
  }

  /** Remaining ms of the whole comparison while `segment` runs at `liveMs` per iteration with its own ETA `etaMs`. */
  remaining(segment: number, liveMs: number, etaMs: number): number {
    const current = this.segments[segment]!;
    const perIteration = (m: string): number => {
      const measured = this.msPerIteration.get(m);
      if (measured !== undefined) return measured;
      const [known, rate] = [...this.msPerIteration.entries()][0] ?? [current.method, liveMs];
      return (rate * (COST_PRIOR[m] ?? 1)) / (COST_PRIOR[known] ?? 1);
    };
    let total = etaMs;
    for (const s of this.segments.slice(segment + 1)) total += s.iterations * perIteration(s.method);
    return Number.isFinite(total) ? total : etaMs;
  }
}

/**
 * `comparison.json` (schema 2): the run config, per-run rows with intervals and paired
 * differences, the summary across seeds, backend, versions and the data hash.
 */
function comparisonFile(config: CompareConfig, result: ComparisonResult, dataHash: string): Record<string, unknown> {
  return {
    schema: 2,
    config: config.train,
    experiment: config,
    ...(result.baseline ? { baseline: result.baseline } : {}),
    backend: tf.getBackend(),
    versions: versions(),
    dataHash,
    methods: result.methods,
    ...(result.seeds ? { seeds: result.seeds } : {}),
  };
}

/** The sweep as Markdown: AUC and the paired AUC difference to the baseline per budget. */
function sweepMarkdown(config: CompareConfig, results: readonly ComparisonResult[]): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  const lines = ['| iterations | method | seed | test AUC [95% CI] | Δ AUC vs none [95% CI] | verdict |', '| ---: | --- | ---: | ---: | ---: | --- |'];
  for (const [i, r] of results.entries()) {
    for (const m of r.methods) {
      const d = m.diffToBaseline;
      const verdict = d ? differenceVerdict(d) : '(baseline)';
      lines.push(
        `| ${config.budgets[i]} | ${m.method} | ${m.seed} | ${pct(m.test.overall.auc)} [${pct(m.ci95.auc[0])}, ${pct(m.ci95.auc[1])}] | ` +
          `${d ? `${d.auc >= 0 ? '+' : ''}${pct(d.auc)} [${pct(d.ci95[0])}, ${pct(d.ci95[1])}]` : '-'} | ${verdict} |`,
      );
    }
  }
  return `Sweep over training iterations (${config.train.backbone} ${JSON.stringify(config.train.backboneOptions)}; percentages)\n\n${lines.join('\n')}`;
}
