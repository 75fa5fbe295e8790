/**
 * The augmentation contract. Every erasing method (SFE, PSFE, Random Erasing, Adversarial
 * Erasing, or yours) is a plugin implementing {@link Augmentation}; the trainer receives all
 * registered plugins through `@injectAll(AUGMENTATION)` and runs them in order on each batch.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelHandle } from './backbone.js';
import type { Logger } from './logger.js';
import type { Normalization } from './normalization.js';
import type { Rng } from './rng.js';

/** Everything a plugin may read while augmenting one batch. One object, so new fields never break plugins. */
export interface AugmentContext {
  /** Normalised NHWC float32 batch `[B, H, W, 3]`. Owned by the trainer: never dispose it. */
  readonly images: tf.Tensor4D;
  /** `[B]` int32 labels, 0 = real, 1 = fake. Owned by the trainer. */
  readonly labels: tf.Tensor1D;
  /** The same labels as plain numbers. */
  readonly labelValues: readonly number[];
  /** Inference-mode model: forward passes and input gradients, no weight updates. */
  readonly model: ModelHandle;
  /** The run's seeded generator; every random choice goes through it. */
  readonly rng: Rng;
  /** Normalisation of `images`, for fills given in pixel units. */
  readonly normalization: Normalization;
  /** 0-based training iteration. */
  readonly step: number;
  /** Total number of iterations of the run. */
  readonly totalSteps: number;
  /** Logger scoped to the plugin. */
  readonly logger: Logger;
}

/** JSON-serialisable parameters a plugin sampled for one batch (for replay and logging). */
export interface AugmentParams {
  /** The plugin's name. */
  readonly method: string;
  /** One entry per image (e.g. whether it was erased and the blocks placed). */
  readonly perImage: readonly unknown[];
  /** Anything else the plugin wants to record. */
  readonly [key: string]: unknown;
}

/** What a plugin returns for one batch. */
export interface AugmentResult {
  /** The new batch: same shape and dtype as the input, a new tensor owned by the caller. */
  readonly images: tf.Tensor4D;
  /** Optional `[B, H, W, 1]` float mask, 1 = kept, 0 = erased; owned by the caller. */
  readonly mask?: tf.Tensor4D;
  /** Sampled parameters. */
  readonly params: AugmentParams;
}

/** Context of {@link Augmentation.setup}. */
export interface SetupContext {
  /** Network input side. */
  readonly inputSize: number;
  /** Total iterations of the run. */
  readonly totalSteps: number;
  /** Logger scoped to the plugin. */
  readonly logger: Logger;
}

/**
 * An augmentation plugin.
 *
 * Hook order per run: `setup` once → `apply` once per iteration (sequentially, in registration
 * order adjusted by `order`) → `dispose` at the end.
 */
export interface Augmentation {
  /** Unique name within a run, e.g. `sfe`. */
  readonly name: string;
  /** `pre` plugins run before default ones, `post` after. Default: neither. */
  readonly order?: 'pre' | 'post';
  /**
   * Called once before the first iteration.
   * Kind: sequential. Previous: trainer construction. Next: the first `apply`.
   */
  setup?(ctx: SetupContext): void | Promise<void>;
  /**
   * Called once per training iteration with the normalised batch, after cropping, flipping and
   * normalising and before the training forward pass. Must not dispose `ctx.images`, must return
   * new tensors and must leave no other tensor behind.
   * Kind: sequential. Previous: the previous plugin's `apply` (its output is this one's input). Next: the training step.
   */
  apply(ctx: AugmentContext): AugmentResult | Promise<AugmentResult>;
  /**
   * Called when the run ends, to release tensors or variables the plugin holds.
   * Kind: sequential. Previous: the last `apply`.
   */
  dispose?(): void;
}

/**
 * Sorts plugins by `order` (`pre`, unspecified, `post`), keeping registration order within each group.
 *
 * @param plugins - registered plugins
 */
export function orderAugmentations(plugins: readonly Augmentation[]): Augmentation[] {
  const rank = (a: Augmentation): number => (a.order === 'pre' ? 0 : a.order === 'post' ? 2 : 1);
  return plugins
    .map((p, i) => ({ p, i }))
    .sort((x, y) => rank(x.p) - rank(y.p) || x.i - y.i)
    .map(({ p }) => p);
}
