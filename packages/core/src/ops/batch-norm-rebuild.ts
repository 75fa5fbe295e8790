/**
 * The kernel that rebuilds a training batch norm's output from its saved statistics, for
 * {@link dropRebuildable}'s backward-pass rebuilds.
 *
 * Rerunning {@link BATCH_NORM_TRAINING_KERNEL} on the saved input rebuilds `y` exactly, but it
 * computes the batch statistics again (two more reads of `x` on wasm), and a ReLU after it is a
 * further kernel and pass. A backend that can apply the saved mean and variance so that the result
 * is bit for bit its training kernel's `y` registers {@link BATCH_NORM_REBUILD_KERNEL}: one pass over
 * `x`, with the ReLU in the same pass. `@rfm/backend` does so for `wasm`, whose training kernel writes
 * `y` in a separate pass from the statistics (TensorFlow's fused kernel rounds its own way, so
 * `tensorflow` keeps the rerun).
 *
 * Kernel contract (NHWC, float32): inputs `x [N,H,W,C]`, `scale [C]`, `offset [C]`, `mean [C]`,
 * `variance [C]` (the training kernel's outputs for that `x`), attrs {@link BatchNormRebuildAttrs}
 * → `y`, or `relu(y)` with `relu` set. It has no gradient: it only runs inside a backward pass.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of the rebuild from saved statistics (registered per backend by `@rfm/backend`). */
export const BATCH_NORM_REBUILD_KERNEL = 'RfmBatchNormRebuild';

/** Attributes of {@link BATCH_NORM_REBUILD_KERNEL}. */
export interface BatchNormRebuildAttrs {
  /** The training kernel's `epsilon`. */
  readonly epsilon: number;
  /** Whether to apply a ReLU to the rebuilt output (bit for bit the backend's `Relu`). */
  readonly relu: boolean;
}

/**
 * True when the active backend (or `backend`) registers {@link BATCH_NORM_REBUILD_KERNEL}.
 *
 * @param backend - backend name; the active one when omitted
 */
export function hasBatchNormRebuildKernel(backend: string = tf.getBackend()): boolean {
  return tf.getKernel(BATCH_NORM_REBUILD_KERNEL, backend) !== undefined;
}
