/**
 * Synthetic inputs for plugin tests: a normalised face-like batch and a tiny model.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { inferenceHandle, type Backbone, type ModelHandle } from '../backbone.js';
import type { AugmentContext } from '../augmentation.js';
import { silentLogger } from '../logger.js';
import { RFM_NORMALIZATION } from '../normalization.js';
import { createRng, type Rng } from '../rng.js';
import { createSmallBackbone } from '../small-backbone.js';

/** Options of {@link createTestBatch}. */
export interface TestBatchOptions {
  /** Images in the batch (half real, half fake). @default 4 */
  readonly batchSize?: number;
  /** Square side. @default 32 */
  readonly size?: number;
  /** Seed of the pixel values. @default 1 */
  readonly seed?: number;
}

/**
 * A deterministic normalised batch `[B, S, S, 3]` with values in [-2, 2) and labels
 * `[0, ..., 0, 1, ..., 1]`. The caller disposes both tensors.
 */
export function createTestBatch(options: TestBatchOptions = {}): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const b = options.batchSize ?? 4;
  const s = options.size ?? 32;
  const values = createRng(options.seed ?? 1).fill(new Float32Array(b * s * s * 3), -2, 2);
  const labels = Array.from({ length: b }, (_, i) => (i < b / 2 ? 0 : 1));
  return { images: tf.tensor4d(values, [b, s, s, 3]), labels: tf.tensor1d(labels, 'int32') };
}

/** A tiny `small` backbone (input `size`, width 4) for gradient-based plugins. The caller disposes it. */
export function createTestBackbone(size = 32, seed = 3): Backbone {
  return createSmallBackbone({ inputSize: size, width: 4 }, createRng(seed));
}

/**
 * An {@link AugmentContext} over the given batch and model.
 *
 * @param images - normalised batch (not disposed)
 * @param labels - labels (not disposed)
 * @param model - inference-mode model
 * @param rng - seeded generator (default: seed 11)
 */
export function createTestContext(
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  model: ModelHandle,
  rng: Rng = createRng(11),
): AugmentContext {
  return {
    images,
    labels,
    labelValues: Array.from(labels.dataSync()),
    model,
    rng,
    normalization: RFM_NORMALIZATION,
    step: 0,
    totalSteps: 1,
    logger: silentLogger,
  };
}

/** The inference handle of a backbone (re-exported for tests). */
export { inferenceHandle };
