/**
 * Running a plugin outside the trainer (the CLI's `rfm erase`, documentation examples, tests):
 * one helper sets the plugin up as the trainer would and builds each {@link AugmentContext}.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AugmentContext, Augmentation, AugmentResult } from './augmentation.js';
import type { ModelHandle } from './backbone.js';
import { silentLogger, type Logger } from './logger.js';
import { RFM_NORMALIZATION, type Normalization } from './normalization.js';
import type { Rng } from './rng.js';

/** The parts of an {@link AugmentContext} that stay the same from batch to batch. */
export interface AugmentSession {
  /** Inference-mode model (e.g. `inferenceHandle(backbone)`). */
  readonly model: ModelHandle;
  /** Seeded generator; every random choice of the plugin goes through it. */
  readonly rng: Rng;
  /** Normalisation of the batches. @default RFM_NORMALIZATION */
  readonly normalization?: Normalization;
  /** Total number of steps the plugin is told about. @default 1 */
  readonly totalSteps?: number;
  /** Logger. @default silentLogger */
  readonly logger?: Logger;
}

/**
 * Builds the context of one batch, reading the labels once.
 *
 * @param session - model, generator and the constant fields
 * @param images - normalised `[B, H, W, 3]` batch (not disposed)
 * @param labels - `[B]` int32 labels (not disposed)
 * @param step - 0-based step @default 0
 */
export async function createAugmentContext(
  session: AugmentSession,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  step = 0,
): Promise<AugmentContext> {
  return {
    images,
    labels,
    labelValues: Array.from(await labels.data()),
    model: session.model,
    rng: session.rng,
    normalization: session.normalization ?? RFM_NORMALIZATION,
    step,
    totalSteps: session.totalSteps ?? 1,
    logger: session.logger ?? silentLogger,
  };
}

/** A plugin set up for use outside the trainer (see {@link startAugmentation}). */
export interface StartedAugmentation {
  /** The plugin. */
  readonly plugin: Augmentation;
  /**
   * Augments one batch; the result's tensors belong to the caller.
   *
   * @param images - normalised `[B, H, W, 3]` batch (not disposed)
   * @param labels - `[B]` int32 labels (not disposed)
   * @param step - 0-based step @default 0
   */
  apply(images: tf.Tensor4D, labels: tf.Tensor1D, step?: number): Promise<AugmentResult>;
  /** Releases what the plugin holds (its `dispose` hook). */
  dispose(): void;
}

/**
 * Runs `plugin.setup` as the trainer would and returns a handle that builds each batch's context.
 *
 * @param plugin - the augmentation
 * @param session - model, generator, normalisation
 * @param inputSize - network input side, for `setup`
 * @example
 * ```ts
 * const sfe = await startAugmentation(new SuspiciousForgeriesErasing(), { model: inferenceHandle(backbone), rng: createRng(0) }, 64);
 * const { images, mask, params } = await sfe.apply(batch, labels);
 * sfe.dispose();
 * ```
 */
export async function startAugmentation(plugin: Augmentation, session: AugmentSession, inputSize: number): Promise<StartedAugmentation> {
  const logger = session.logger ?? silentLogger;
  await plugin.setup?.({ inputSize, totalSteps: session.totalSteps ?? 1, logger });
  return {
    plugin,
    apply: async (images, labels, step = 0) => plugin.apply(await createAugmentContext(session, images, labels, step)),
    dispose: () => plugin.dispose?.(),
  };
}
