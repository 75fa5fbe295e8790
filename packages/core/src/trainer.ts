/**
 * The trainer: RFM's training loop with the augmentation hook filled by dependency injection.
 *
 * Per iteration (spec §2.5): take a balanced, augmented batch → run every registered
 * augmentation plugin in order on it (they see the model in inference mode only) → one Adam step
 * on the flooded cross-entropy in training mode. Every `evalEvery` iterations the validation split
 * is scored; the best model on validation (never on test) is kept. Checkpoints make `resume`
 * continue the same run bit for bit.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { computeMetrics, metricValue, type MetricKey, type MetricsReport } from '@rfm/metrics';
import { inject, injectable, injectAll } from 'tsyringe';
import { createAugmentContext } from './augment-context.js';
import { orderAugmentations, type Augmentation, type AugmentParams } from './augmentation.js';
import { inferenceHandle, type Backbone } from './backbone.js';
import type { BatchSource, EvalSource } from './batches.js';
import { loadCheckpoint, saveCheckpoint, type BestScore, type TrainingState } from './checkpoint.js';
import { AugmentationFailedError, CheckpointError, RfmError, TrainingDivergedError } from './errors.js';
import { accumulatedTrainingStep } from './accumulated-step.js';
import { asBackendFailure, isBackendFailure } from './backend-failure.js';
import { planTrainingMemory } from './training-memory.js';
import type { MicroBatchPlan } from './step-memory.js';
import { LayersBackbone } from './layers-backbone.js';
import type { Logger } from './logger.js';
import { saveBackbone } from './model-io.js';
import { RFM_NORMALIZATION, type Normalization } from './normalization.js';
import { predict } from './predict.js';
import type { Rng } from './rng.js';
import type { RunLog } from './run-log.js';
import { AUGMENTATION, BACKBONE, LOGGER, RNG, RUN_DIR, RUN_LOG, TRAIN_BATCHES, TRAINER_OPTIONS, VALIDATION_DATA } from './tokens.js';
import { resolveTrainerOptions, type ResolvedTrainerOptions, type TrainerOptions } from './trainer-options.js';
import { createAdam } from './train-step.js';

/** Progress of a run, reported after every iteration. */
export interface TrainProgress {
  /** Completed iterations. */
  readonly step: number;
  /** Total iterations. */
  readonly total: number;
  /** Mean cross-entropy of the last batch (before flooding). */
  readonly loss: number;
  /** Milliseconds since this invocation started. */
  readonly elapsedMs: number;
  /** Estimated milliseconds to the end. */
  readonly etaMs: number;
}

/** One validation result. */
export interface EvaluationRecord {
  /** Iteration after which it was computed. */
  readonly step: number;
  /** Validation metrics. */
  readonly metrics: MetricsReport;
  /** True when it is the best so far on the selection metric. */
  readonly best: boolean;
}

/** Controls of one {@link Trainer.run} call. */
export interface RunControl {
  /** Continue from `RUN_DIR/checkpoint`. */
  readonly resume?: boolean;
  /** Stop (with a checkpoint) once this many iterations are complete: for interruption and tests. */
  readonly stopAfter?: number;
  /** Called after every iteration. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Called after every validation. */
  readonly onEvaluation?: (e: EvaluationRecord) => void;
  /** When aborted (e.g. on Ctrl-C), the run finishes the current iteration, writes a checkpoint and stops. */
  readonly signal?: AbortSignal;
}

/** What a run returns. */
export interface TrainResult {
  /** Completed iterations. */
  readonly steps: number;
  /** True when the run stopped (at `stopAfter` or by the abort signal) before `iterations`. */
  readonly interrupted: boolean;
  /** Loss of the last iteration. */
  readonly lastLoss: number;
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Validation metrics of the best step (kept in the checkpoint, so also after a resume). */
  readonly bestMetrics: MetricsReport | null;
  /** Every validation of this invocation. */
  readonly evaluations: EvaluationRecord[];
}

/** The training loop. Resolve it from a per-run child container (see `createRunContainer`). */
@injectable()
export class Trainer {
  private readonly options: ResolvedTrainerOptions;
  private readonly plugins: Augmentation[];
  private readonly normalization: Normalization = RFM_NORMALIZATION;

  /**
   * @param backbone - the network ({@link BACKBONE})
   * @param batches - training batches ({@link TRAIN_BATCHES})
   * @param validation - validation split ({@link VALIDATION_DATA})
   * @param options - trainer options ({@link TRAINER_OPTIONS})
   * @param rng - the run's RNG, handed to plugins ({@link RNG})
   * @param logger - logger ({@link LOGGER})
   * @param runLog - JSON-lines run log ({@link RUN_LOG})
   * @param runDir - folder for `model/` and `checkpoint/`; optional ({@link RUN_DIR})
   * @param plugins - every registered augmentation; empty = the plain baseline ({@link AUGMENTATION})
   */
  constructor(
    @inject(BACKBONE) private readonly backbone: Backbone,
    @inject(TRAIN_BATCHES) private readonly batches: BatchSource,
    @inject(VALIDATION_DATA) private readonly validation: EvalSource,
    @inject(TRAINER_OPTIONS) options: TrainerOptions,
    @inject(RNG) private readonly rng: Rng,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(RUN_LOG) private readonly runLog: RunLog,
    @inject(RUN_DIR, { isOptional: true }) private readonly runDir: string | undefined,
    @injectAll(AUGMENTATION, { isOptional: true }) plugins: Augmentation[],
  ) {
    this.options = resolveTrainerOptions(options);
    this.plugins = orderAugmentations(plugins ?? []);
    const names = new Set<string>();
    for (const p of this.plugins) {
      if (names.has(p.name)) throw new RfmError('RFM_DUPLICATE_AUGMENTATION', `Two augmentations are named "${p.name}"; names must be unique in a run.`);
      names.add(p.name);
    }
  }

  /** Names of the augmentation plugins in the order they run. */
  get augmentations(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /**
   * Trains until `iterations` (or `stopAfter`) and returns a summary.
   *
   * @param control - resume, interruption and progress callbacks
   */
  async run(control: RunControl = {}): Promise<TrainResult> {
    const o = this.options;
    const optimizer = createAdam(o);
    let handle: ReturnType<typeof inferenceHandle> | null = null;
    let plan: MicroBatchPlan | null = null;
    const evaluations: EvaluationRecord[] = [];
    let step = 0;
    let best: BestScore | null = null;
    let bestMetrics: MetricsReport | null = null;
    let lastLoss = Number.NaN;
    try {
      if (control.resume) {
        const state = await this.restore(optimizer);
        step = state.step;
        best = state.best;
        bestMetrics = (state.bestMetrics as MetricsReport | undefined) ?? null;
        this.runLog.write({ type: 'resume', step });
        this.logger.info(`resuming at iteration ${step} of ${o.iterations}`);
      } else {
        this.runLog.write({
          type: 'trainer',
          options: o,
          backbone: this.backbone.config,
          params: this.backbone.countParams(),
          augmentations: this.augmentations,
        });
      }
      for (const p of this.plugins) {
        await p.setup?.({ inputSize: this.backbone.config.inputSize, totalSteps: o.iterations, logger: this.logger.child(p.name) });
      }
      const started = performance.now();
      const firstStep = step;
      const stopAt = Math.min(o.iterations, control.stopAfter ?? o.iterations);
      while (step < stopAt && !control.signal?.aborted) {
        const batch = await this.batches.next();
        let images = batch.images;
        const params: AugmentParams[] = [];
        try {
          if (plan === null) {
            // Before the first step: refuse a batch that cannot fit, choose micro-batches otherwise.
            plan = planTrainingMemory(this.backbone, batch.images.shape[0], o.microBatch, tf.getBackend());
            handle = inferenceHandle(this.backbone, plan.microBatch);
            this.runLog.write({ type: 'memory', backend: tf.getBackend(), ...plan });
            if (plan.passes > 1) {
              this.logger.info(`each step runs ${plan.passes} micro-batches of up to ${plan.microBatch} images (estimated ${(plan.estimatedBytes / 1024 ** 3).toFixed(1)} GB each) with accumulated gradients`);
            }
          }
          for (const plugin of this.plugins) {
            const result = await this.applyPlugin(plugin, images, batch.labels, handle!, step);
            if (images !== batch.images) images.dispose();
            result.mask?.dispose();
            images = result.images;
            params.push(result.params);
          }
          try {
            lastLoss = accumulatedTrainingStep(this.backbone, optimizer, images, batch.labels, o.floodLevel, plan.microBatch);
          } catch (e) {
            throw asBackendFailure(e, tf.getBackend(), `a training step of ${images.shape[0]} images in ${plan.passes} pass(es)`);
          }
        } finally {
          if (images !== batch.images) images.dispose();
          tf.dispose([batch.images, batch.labels]);
        }
        step++;
        if (!Number.isFinite(lastLoss)) throw new TrainingDivergedError(step, lastLoss);
        const elapsedMs = performance.now() - started;
        control.onProgress?.({
          step,
          total: o.iterations,
          loss: lastLoss,
          elapsedMs,
          etaMs: (elapsedMs / (step - firstStep)) * (o.iterations - step),
        });
        if (step % o.evalEvery === 0 || step === o.iterations) {
          const record = await this.evaluate(step, best);
          if (record.best) {
            best = { metric: o.selectOn, value: metricValue(record.metrics, o.selectOn as MetricKey), step };
            bestMetrics = record.metrics;
          }
          evaluations.push(record);
          control.onEvaluation?.(record);
          if (record.best) await this.saveBest();
        }
        // Yield to the event loop once per iteration, so signal handlers (Ctrl-C, SIGTERM) and timers run.
        await new Promise<void>((done) => setImmediate(done));
        const checkpointDue =
          (o.checkpointEvery > 0 && step % o.checkpointEvery === 0) || step === stopAt || control.signal?.aborted === true;
        if (checkpointDue && this.runDir) {
          await saveCheckpoint(join(this.runDir, 'checkpoint'), this.backbone, optimizer, this.state(step, best, bestMetrics));
          this.runLog.write({ type: 'checkpoint', step });
        }
        if (step % 10 === 0 || step === stopAt || control.signal?.aborted) this.runLog.write({ type: 'step', step, loss: lastLoss, augment: summarize(params) });
      }
      const interrupted = step < o.iterations;
      this.runLog.write({ type: interrupted ? 'interrupted' : 'end', step, best });
      return { steps: step, interrupted, lastLoss, best, bestMetrics, evaluations };
    } finally {
      for (const p of this.plugins) p.dispose?.();
      optimizer.dispose();
    }
  }

  private async applyPlugin(
    plugin: Augmentation,
    images: tf.Tensor4D,
    labels: tf.Tensor1D,
    handle: ReturnType<typeof inferenceHandle>,
    step: number,
  ) {
    try {
      const session = { model: handle, rng: this.rng, normalization: this.normalization, totalSteps: this.options.iterations, logger: this.logger.child(plugin.name) };
      return await plugin.apply(await createAugmentContext(session, images, labels, step));
    } catch (e) {
      if (isBackendFailure(e)) throw asBackendFailure(e, tf.getBackend(), `augmentation "${plugin.name}"`);
      throw new AugmentationFailedError(plugin.name, e);
    }
  }

  private async evaluate(step: number, best: BestScore | null): Promise<EvaluationRecord> {
    let predictions;
    try {
      predictions = await predict(this.backbone, this.validation, this.options.evalBatchSize);
    } catch (e) {
      throw asBackendFailure(e, tf.getBackend(), 'validation');
    }
    const metrics = computeMetrics(predictions.labels, predictions.scores);
    const value = metricValue(metrics, this.options.selectOn as MetricKey);
    const isBest = best === null || value > best.value;
    this.runLog.write({ type: 'eval', split: 'validation', step, metrics, best: isBest });
    this.logger.info(`iteration ${step}: validation ${this.options.selectOn} ${value.toFixed(4)}${isBest ? ' (best)' : ''}`);
    return { step, metrics, best: isBest };
  }

  private async saveBest(): Promise<void> {
    if (!this.runDir) return;
    if (!(this.backbone instanceof LayersBackbone)) {
      this.logger.warn('the backbone is not a LayersBackbone; the best model is not saved');
      return;
    }
    await saveBackbone(this.backbone, join(this.runDir, 'model'));
  }

  private state(step: number, best: BestScore | null, bestMetrics: MetricsReport | null): TrainingState {
    return {
      step,
      rng: this.rng.getState(),
      batches: this.batches.getState(),
      best,
      bestMetrics,
      options: { ...this.options },
      backbone: { ...this.backbone.config },
    };
  }

  private async restore(optimizer: tf.Optimizer): Promise<TrainingState> {
    if (!this.runDir) throw new CheckpointError('resume needs a run folder (RUN_DIR) holding checkpoint/.');
    const state = await loadCheckpoint(join(this.runDir, 'checkpoint'), this.backbone, optimizer);
    if (JSON.stringify(state.backbone) !== JSON.stringify(this.backbone.config)) {
      throw new CheckpointError(
        `The checkpoint in ${this.runDir} was written for backbone ${JSON.stringify(state.backbone)}, not ${JSON.stringify(this.backbone.config)}; resume with the same backbone options.`,
      );
    }
    this.rng.setState(state.rng);
    this.batches.setState(state.batches);
    return state;
  }
}

/** A compact summary of what plugins did in one batch (how many images each erased). */
function summarize(params: AugmentParams[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of params) {
    out[p.method] = p.perImage.filter((e) => typeof e === 'object' && e !== null && (e as { erased?: unknown }).erased === true).length;
  }
  return out;
}
