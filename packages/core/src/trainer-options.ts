/**
 * Trainer options in two forms: what a user passes ({@link TrainerOptions}, all optional) and
 * what the trainer uses ({@link ResolvedTrainerOptions}, validated, defaults filled in).
 *
 * @packageDocumentation
 */
import { definedOptions } from './defined-options.js';
import { requireOption } from './errors.js';

/** User-facing trainer options. Defaults follow the official RFM recipe (spec §2.9-§2.11). */
export interface TrainerOptions {
  /** Training iterations. @default 1000 */
  readonly iterations?: number;
  /** Adam learning rate. @default 2e-4 */
  readonly learningRate?: number;
  /** Adam beta1. @default 0.9 */
  readonly beta1?: number;
  /** Adam beta2. @default 0.999 */
  readonly beta2?: number;
  /** Adam epsilon (PyTorch's default, not tfjs'). @default 1e-8 */
  readonly epsilon?: number;
  /** Flood level b of `|L - b| + b`; 0 disables flooding. @default 0.04 */
  readonly floodLevel?: number;
  /** Evaluate on the validation split every K iterations (and at the end). @default 100 */
  readonly evalEvery?: number;
  /** Write a checkpoint every K iterations (and at the end); 0 = only at the end. @default 100 */
  readonly checkpointEvery?: number;
  /** Validation metric that selects the best checkpoint. @default 'auc' */
  readonly selectOn?: 'auc' | 'tdr@1e-2' | 'tdr@1e-3' | 'tdr@1e-4' | 'ap' | 'acc';
  /** Evaluation batch size. @default 32 */
  readonly evalBatchSize?: number;
  /** Seed of the run. @default 5 (the official code's `setup_seed(5)`) */
  readonly seed?: number;
  /**
   * Images per forward/backward pass; a batch larger than this is processed in micro-batches whose
   * gradients are accumulated into one optimizer step (see `accumulatedTrainingStep`: batch
   * normalisation then uses each micro-batch's statistics). `auto` takes the whole batch when the
   * step's memory estimate fits the backend (always on tensorflow and cpu; the 4 GB heap on wasm),
   * else the largest micro-batch that fits. @default 'auto'
   */
  readonly microBatch?: number | 'auto';
}

/** Options with every default filled in. */
export type ResolvedTrainerOptions = Required<TrainerOptions>;

/** Defaults of {@link TrainerOptions}. */
export const TRAINER_DEFAULTS: ResolvedTrainerOptions = {
  iterations: 1000,
  learningRate: 2e-4,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  floodLevel: 0.04,
  evalEvery: 100,
  checkpointEvery: 100,
  selectOn: 'auc',
  evalBatchSize: 32,
  seed: 5,
  microBatch: 'auto',
};

/**
 * Fills in defaults and validates ranges.
 *
 * @throws {@link InvalidOptionError} naming the first bad option
 */
export function resolveTrainerOptions(options: TrainerOptions = {}): ResolvedTrainerOptions {
  const o: ResolvedTrainerOptions = { ...TRAINER_DEFAULTS, ...definedOptions(options) };
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  requireOption(int(o.iterations, 1), 'iterations', o.iterations, 'an integer >= 1');
  requireOption(o.learningRate > 0 && Number.isFinite(o.learningRate), 'learningRate', o.learningRate, 'a positive number');
  requireOption(o.beta1 >= 0 && o.beta1 < 1, 'beta1', o.beta1, 'a number in [0, 1)');
  requireOption(o.beta2 >= 0 && o.beta2 < 1, 'beta2', o.beta2, 'a number in [0, 1)');
  requireOption(o.epsilon > 0, 'epsilon', o.epsilon, 'a positive number');
  requireOption(o.floodLevel >= 0 && Number.isFinite(o.floodLevel), 'floodLevel', o.floodLevel, 'a number >= 0');
  requireOption(int(o.evalEvery, 1), 'evalEvery', o.evalEvery, 'an integer >= 1');
  requireOption(int(o.checkpointEvery, 0), 'checkpointEvery', o.checkpointEvery, 'an integer >= 0');
  requireOption(int(o.evalBatchSize, 1), 'evalBatchSize', o.evalBatchSize, 'an integer >= 1');
  requireOption(Number.isInteger(o.seed), 'seed', o.seed, 'an integer');
  requireOption(o.microBatch === 'auto' || int(o.microBatch, 1), 'microBatch', o.microBatch, "'auto' or an integer >= 1");
  requireOption(
    ['auc', 'tdr@1e-2', 'tdr@1e-3', 'tdr@1e-4', 'ap', 'acc'].includes(o.selectOn),
    'selectOn',
    o.selectOn,
    `one of auc, tdr@1e-2, tdr@1e-3, tdr@1e-4, ap, acc`,
  );
  return o;
}
