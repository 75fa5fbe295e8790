/**
 * One complete training run as the CLI performs it: data, backbone, plugins, trainer, then the
 * test-split report of the best validation model. Shared by `rfm train` and `rfm compare`.
 *
 * @packageDocumentation
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  createConsoleLogger,
  createRng,
  checkOutputDir,
  createRunContainer,
  ensureOutputDir,
  FileRunLog,
  loadBackbone,
  planTrainingMemory,
  estimateStepMemory,
  stepBytes,
  predict,
  Trainer,
  writeFileAtomic,
  type BestScore,
} from '@rfm/core';
import type { DatasetItem } from '@rfm/data';
import { hasVideoGroups, videoLevelSamples, type ScoredSample, type TechniqueEvaluation } from '@rfm/metrics';
import { createBackbone } from '@rfm/models';
import { SbiBatchSource } from '@rfm/synth';
import { CliUsageError, type CliIO } from './command.js';
import { registerErasing } from './erasing-methods.js';
import { ProgressBar } from './progress.js';
import { evaluateSamples, writeRocChart } from './report.js';
import { describeSplits, prepareRunData, type RunImageStores } from './run-data.js';
import { recoverRunDir, RUN_MARKERS } from './run-folder.js';
import { writeScoresCsv } from './scores-file.js';
import { SIGNAL_EXIT_CODES, watchStopSignals, type StopSignalName } from './stop-signals.js';
import { writeTrainConfig, type TrainConfig } from './train-config.js';
import { versions } from './versions.js';

/** Outcome of {@link runTraining}. */
export interface TrainingOutcome {
  /** False when the run stopped early (Ctrl-C, SIGTERM); then there is no test report. */
  readonly completed: boolean;
  /** The signal that stopped the run early, if one did. */
  readonly stoppedBy?: StopSignalName;
  /** Exit code the command should return: 0, or 130/143 after SIGINT/SIGTERM. */
  readonly exitCode: number;
  /** Iterations done. */
  readonly steps: number;
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Test-split evaluation of the best model (completed runs). */
  readonly test?: TechniqueEvaluation;
  /** Video-level test evaluation (video score = mean of its frames'), when the data has videos. */
  readonly testVideos?: TechniqueEvaluation & { readonly videos: number };
  /** Test-split scores (completed runs). */
  readonly samples?: readonly ScoredSample[];
  /** Test image ids, in the order of `samples` (completed runs). */
  readonly ids?: readonly string[];
  /** SHA-256 of the dataset's content. */
  readonly dataHash?: string;
  /** Wall time of the run, ms. */
  readonly ms: number;
}

/** Memory above which a run is warned about before it starts (8 GiB). */
export const MEMORY_WARNING_BYTES = 8 * 1024 ** 3;

/**
 * Trains `config` into `out` (model/, checkpoint/, run.jsonl, config.json, metrics.json,
 * test-scores.csv, roc.svg), drawing a progress bar on `io`.
 *
 * A backbone whose training needs more than {@link MEMORY_WARNING_BYTES} (estimated) is warned about
 * first. Nothing is written before the data, the splits and the backbone are known to be fine; a fresh run
 * refuses a folder that already holds a run, and a fresh run that fails before its first checkpoint
 * removes what it wrote. The first SIGINT (Ctrl-C) or SIGTERM finishes the current iteration, writes
 * a checkpoint and returns with `exitCode` 130 or 143; a second one exits at once.
 *
 * @param config - the run configuration
 * @param out - run folder
 * @param io - progress and messages
 * @param options - `resume` continues from the checkpoint; `backend` is recorded in the log; `label` prefixes the progress bar;
 *   `onStep` receives every iteration (step, total, ETA of this run in ms) and returns extra status text;
 *   `imageStores` shares decoded images with the other runs of this process
 * @throws {@link CliUsageError} when a fresh run's folder already holds a run
 */
export async function runTraining(
  config: TrainConfig,
  out: string,
  io: CliIO,
  options: {
    resume?: boolean;
    backendSummary?: string;
    label?: string;
    onStep?: (step: number, total: number, etaMs: number) => string;
    imageStores?: RunImageStores;
  } = {},
): Promise<TrainingOutcome> {
  const started = performance.now();
  const resume = options.resume === true;
  // Fail in a second on an output path that cannot be written (read-only, /proc, a file...).
  checkOutputDir(out);
  const existed = existsSync(out);
  if (existed) {
    recoverRunDir(out);
    if (!resume) refuseExistingRun(out);
  }
  const logger = createConsoleLogger('rfm');

  const rng = createRng(config.seed);
  const modelRng = rng.fork();
  const dataRng = rng.fork();
  const runRng = rng.fork();
  const backbone = createBackbone(config.backbone, config.backboneOptions, modelRng);
  let memory;
  try {
    // Refuse a step that cannot fit the backend before any data is read or anything written (MemoryBudgetError).
    memory = planTrainingMemory(backbone, config.batch, config.trainer.microBatch ?? 'auto', tf.getBackend());
  } catch (e) {
    backbone.dispose();
    throw e;
  }
  const memoryBytes = stepBytes(estimateStepMemory(backbone), config.batch);
  if (memoryBytes > MEMORY_WARNING_BYTES) {
    io.err(
      `warning: --size ${config.backboneOptions.inputSize} with --batch ${config.batch} needs about ${formatGiB(memoryBytes)} GiB per iteration ` +
        '(estimated from the layer outputs); lower --size or --batch if the machine has less\n',
    );
  }
  let data: Awaited<ReturnType<typeof prepareRunData>>;
  try {
    data = await prepareRunData(config, dataRng, logger, options.imageStores);
  } catch (e) {
    backbone.dispose();
    throw e;
  }
  const splitCounts = describeSplits(data.splits);
  io.err(
    `data: ${data.dataset.items.length} images from ${config.data}; ` +
      `train ${splitCounts.train.real}+${splitCounts.train.fake}, validation ${splitCounts.validation.real}+${splitCounts.validation.fake}, ` +
      `test ${splitCounts.test.real}+${splitCounts.test.fake} (real+fake)${data.skipped.length ? `; skipped ${data.skipped.length} unreadable files` : ''}\n`,
  );

  // From here on the run exists on disk.
  let written = false;
  let runLog: FileRunLog;
  try {
    ensureOutputDir(out);
    writeTrainConfig(out, config);
    runLog = new FileRunLog(join(out, 'run.jsonl'));
    if (!resume) {
      runLog.write({
        type: 'config',
        config,
        seed: config.seed,
        versions: versions(),
        backend: tf.getBackend(),
        backendSummary: options.backendSummary,
        dataset: { source: data.dataset.source, hash: data.hash, items: data.dataset.items.length, splits: splitCounts, skipped: data.skipped },
      });
    }
  } catch (e) {
    backbone.dispose();
    if (!resume) removeFailedRun(out, existed);
    throw e;
  }
  if (memory.passes > 1) {
    io.err(
      `memory: a step of ${config.batch} images needs about ${formatGiB(memoryBytes)} GiB on ${tf.getBackend()}; ` +
        `running ${memory.passes} micro-batches of up to ${memory.microBatch} with accumulated gradients (batch norm uses micro-batch statistics; see --micro-batch)\n`,
    );
  }
  if (data.train instanceof SbiBatchSource) data.train.runLog = runLog;
  const container = createRunContainer({
    backbone,
    batches: data.train,
    validation: data.validation,
    rng: runRng,
    options: config.trainer,
    logger: { ...logger, info: () => {} },
    runLog,
    runDir: out,
  });
  for (const name of config.augment) {
    registerErasing(container, name, { ...config.augmentOptions?.[name], inputSize: config.backboneOptions.inputSize });
  }
  const trainer = container.resolve(Trainer);
  io.err(
    `train: ${config.backbone} ${JSON.stringify(config.backboneOptions)}, ${backbone.countParams().trainable.toLocaleString('en-US')} trainable parameters, ` +
      `${config.trainer.iterations} iterations of ${config.batch} images, augment: ${config.augment.join(' → ') || 'none'}, seed ${config.seed}\n`,
  );

  const stop = watchStopSignals(io, 'finishing the current iteration and writing a checkpoint');
  const bar = new ProgressBar(io, options.label ?? 'train', config.trainer.iterations);
  let lastEval = '';
  let result;
  try {
    result = await trainer.run({
      resume,
      signal: stop.signal,
      onProgress: (pr) => {
        const extra = options.onStep?.(pr.step, pr.total, pr.etaMs) ?? '';
        bar.update(pr.step, `loss ${pr.loss.toFixed(4)}${lastEval}${extra}`, pr.etaMs);
      },
      onEvaluation: (e) => {
        lastEval = ` val AUC ${(100 * e.metrics.auc).toFixed(2)}${e.best ? '*' : ''}`;
      },
    });
    written = true;
  } finally {
    stop.dispose();
    backbone.dispose();
    if (!written && !resume && !existsSync(join(out, 'checkpoint'))) removeFailedRun(out, existed);
  }
  if (result.interrupted) {
    bar.interrupt();
    const stoppedBy = stop.received();
    return {
      completed: false,
      ...(stoppedBy ? { stoppedBy } : {}),
      exitCode: stoppedBy ? SIGNAL_EXIT_CODES[stoppedBy] : 0,
      steps: result.steps,
      best: result.best,
      ms: performance.now() - started,
    };
  }

  const best = await loadBackbone(join(out, 'model'));
  const predictions = await predict(best, data.test, 32);
  best.dispose();
  const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
  const test = evaluateSamples(samples);
  const testVideos = videoEvaluation(samples, predictions.ids, data.test.items);
  writeScoresCsv(join(out, 'test-scores.csv'), predictions);
  await writeRocChart(samples, join(out, 'roc.svg'), `${config.backbone}, augment ${config.augment.join('+') || 'none'}: test split`);
  const metrics = {
    best: result.best,
    validation: result.bestMetrics,
    test,
    ...(testVideos ? { testVideos } : {}),
    backend: tf.getBackend(),
    iterations: result.steps,
  };
  writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  runLog.write({ type: 'test', metrics: test });
  return {
    completed: true,
    exitCode: 0,
    steps: result.steps,
    best: result.best,
    test,
    ...(testVideos ? { testVideos } : {}),
    samples,
    ids: predictions.ids,
    dataHash: data.hash,
    ms: performance.now() - started,
  };
}

/**
 * Refuses a fresh run into a folder that already holds one (after repairing an interrupted save), so
 * that a second run never appends to the first one's log.
 *
 * @param out - the run folder
 * @throws {@link CliUsageError} naming the run files found
 */
export function refuseExistingRun(out: string): void {
  const present = existsSync(out) ? recoverRunDir(out) : [];
  if (present.length > 0) {
    throw new CliUsageError(`train: ${out} already holds a run (${present.join(', ')}); pass --resume to continue it, or choose another --out (or delete the folder)`);
  }
}

/** Removes what a fresh run wrote before it failed (no checkpoint yet): the folder holds no run afterwards. */
function removeFailedRun(out: string, existed: boolean): void {
  try {
    for (const name of [...RUN_MARKERS, 'metrics.json', 'test-scores.csv', 'roc.svg']) rmSync(join(out, name), { recursive: true, force: true });
    if (!existed && readdirSync(out).length === 0) rmdirSync(out);
  } catch {
    // Best effort: the error that stopped the run is the one to report.
  }
}

function formatGiB(bytes: number): string {
  const g = bytes / 1024 ** 3;
  return g >= 10 ? g.toFixed(0) : g.toFixed(1);
}

/**
 * Video-level evaluation of scored frames when the data has videos (several items share a group):
 * a video's score is the mean of its frames' scores.
 *
 * @param samples - frame scores, in the order of `ids`
 * @param ids - item id of each sample
 * @param items - the items scored (their groups)
 * @returns the evaluation and the number of videos, or `undefined` without videos
 * @throws `MetricsInputError` naming a video whose frames disagree on the label
 */
export function videoEvaluation(
  samples: readonly ScoredSample[],
  ids: readonly string[],
  items: readonly DatasetItem[],
): (TechniqueEvaluation & { readonly videos: number }) | undefined {
  const groupOf = new Map(items.map((it) => [it.id, it.group]));
  const grouped = samples.map((s, i) => ({ ...s, group: groupOf.get(ids[i]!) }));
  if (!hasVideoGroups(grouped)) return undefined;
  const videos = videoLevelSamples(grouped);
  return { ...evaluateSamples(videos), videos: videos.length };
}
