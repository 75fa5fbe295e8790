/**
 * One complete training run as the CLI performs it: data, backbone, plugins, trainer, then the
 * test-split report of the best validation model. Shared by `rfm train` and `rfm compare`.
 *
 * @packageDocumentation
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  createConsoleLogger,
  createRng,
  createRunContainer,
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
import type { ScoredSample, TechniqueEvaluation } from '@rfm/metrics';
import { createBackbone, registerModelLayers } from '@rfm/models';
import type { CliIO } from './command.js';
import { registerErasing } from './erasing-methods.js';
import { ProgressBar } from './progress.js';
import { evaluateSamples, writeRocChart } from './report.js';
import { describeSplits, prepareRunData } from './run-data.js';
import { writeTrainConfig, type TrainConfig } from './train-config.js';
import { versions } from './versions.js';

/** Outcome of {@link runTraining}. */
export interface TrainingOutcome {
  /** False when the run stopped early (Ctrl-C); then there is no test report. */
  readonly completed: boolean;
  /** Iterations done. */
  readonly steps: number;
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Test-split evaluation of the best model (completed runs). */
  readonly test?: TechniqueEvaluation;
  /** Test-split scores (completed runs). */
  readonly samples?: readonly ScoredSample[];
  /** Wall time of the run, ms. */
  readonly ms: number;
}

/**
 * Trains `config` into `out` (model/, checkpoint/, run.jsonl, config.json, metrics.json,
 * test-scores.csv, roc.svg), drawing a progress bar on `io`.
 *
 * @param config - the run configuration
 * @param out - run folder
 * @param io - progress and messages
 * @param options - `resume` continues from the checkpoint; `backend` is recorded in the log; `label` prefixes the progress bar
 */
export async function runTraining(
  config: TrainConfig,
  out: string,
  io: CliIO,
  options: { resume?: boolean; backendSummary?: string; label?: string } = {},
): Promise<TrainingOutcome> {
  const started = performance.now();
  const resume = options.resume === true;
  const logger = createConsoleLogger('rfm');

  const rng = createRng(config.seed);
  const modelRng = rng.fork();
  const dataRng = rng.fork();
  const runRng = rng.fork();
  const data = await prepareRunData(config, dataRng, logger);
  const splitCounts = describeSplits(data.splits);
  io.err(
    `data: ${data.dataset.items.length} images from ${config.data}; ` +
      `train ${splitCounts.train.real}+${splitCounts.train.fake}, validation ${splitCounts.validation.real}+${splitCounts.validation.fake}, ` +
      `test ${splitCounts.test.real}+${splitCounts.test.fake} (real+fake)${data.skipped.length ? `; skipped ${data.skipped.length} unreadable files` : ''}\n`,
  );
  const backbone = createBackbone(config.backbone, config.backboneOptions, modelRng);
  let memory;
  try {
    // Refuse a step that cannot fit the backend before any training (MemoryBudgetError).
    memory = planTrainingMemory(backbone, config.batch, config.trainer.microBatch ?? 'auto', tf.getBackend());
  } catch (e) {
    backbone.dispose();
    throw e;
  }
  // Only now, once the step is known to fit, does the run folder get written.
  mkdirSync(out, { recursive: true });
  writeTrainConfig(out, config);
  if (memory.passes > 1) {
    io.err(
      `memory: a step of ${config.batch} images needs about ${(stepBytes(estimateStepMemory(backbone), config.batch) / 1024 ** 3).toFixed(1)} GB on ${tf.getBackend()}; ` +
        `running ${memory.passes} micro-batches of up to ${memory.microBatch} with accumulated gradients (batch norm uses micro-batch statistics; see --micro-batch)\n`,
    );
  }
  const runLog = new FileRunLog(join(out, 'run.jsonl'));
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
  for (const name of config.augment) registerErasing(container, name, { inputSize: config.backboneOptions.inputSize });
  const trainer = container.resolve(Trainer);
  io.err(
    `train: ${config.backbone} ${JSON.stringify(config.backboneOptions)}, ${backbone.countParams().trainable.toLocaleString('en-US')} trainable parameters, ` +
      `${config.trainer.iterations} iterations of ${config.batch} images, augment: ${config.augment.join(' → ') || 'none'}, seed ${config.seed}\n`,
  );

  const abort = new AbortController();
  const onSigint = () => {
    io.err('\ninterrupt: finishing the current iteration and writing a checkpoint (Ctrl-C again to kill)\n');
    abort.abort();
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);
  const bar = new ProgressBar(io, options.label ?? 'train', config.trainer.iterations);
  let lastEval = '';
  let result;
  try {
    result = await trainer.run({
      resume,
      signal: abort.signal,
      onProgress: (pr) => bar.update(pr.step, `loss ${pr.loss.toFixed(4)}${lastEval}`, pr.etaMs),
      onEvaluation: (e) => {
        lastEval = ` val AUC ${(100 * e.metrics.auc).toFixed(2)}${e.best ? '*' : ''}`;
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    backbone.dispose();
  }
  if (result.interrupted) {
    bar.interrupt();
    return { completed: false, steps: result.steps, best: result.best, ms: performance.now() - started };
  }

  registerModelLayers();
  const best = await loadBackbone(join(out, 'model'));
  const predictions = await predict(best, data.test, 32);
  best.dispose();
  const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
  const test = evaluateSamples(samples);
  writeFileAtomic(
    join(out, 'test-scores.csv'),
    `id,label,score,logit_gap,technique\n${predictions.ids.map((id, i) => `${id},${predictions.labels[i]},${predictions.scores[i]},${predictions.logitGaps[i]},${predictions.techniques[i]}`).join('\n')}\n`,
  );
  await writeRocChart(samples, join(out, 'roc.svg'), `${config.backbone}, augment ${config.augment.join('+') || 'none'}: test split`);
  const metrics = {
    best: result.best,
    validation: result.evaluations.find((e) => e.step === result.best?.step)?.metrics ?? null,
    test,
    backend: tf.getBackend(),
    iterations: result.steps,
  };
  writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  runLog.write({ type: 'test', metrics: test });
  return { completed: true, steps: result.steps, best: result.best, test, samples, ms: performance.now() - started };
}
