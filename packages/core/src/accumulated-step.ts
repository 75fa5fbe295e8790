/**
 * One optimisation step split into micro-batches with gradient accumulation, so that a batch
 * whose training step does not fit in the backend's memory still trains with the same recipe.
 *
 * The gradient of the flooded batch loss `|L - b| + b`, with `L` the mean cross-entropy over the
 * whole batch, is `sign(L - b) · ∇L`, and `∇L = Σ_k (m_k / B) ∇L_k` over micro-batches of `m_k`
 * images. So the accumulated step equals the full-batch step exactly for a network without batch
 * normalisation (up to float round-off). With batch normalisation it does not: in training mode
 * each micro-batch is normalised with its own statistics (as with `m_k` images per GPU in
 * data-parallel training without synchronised batch norm), and the moving statistics are updated
 * once per micro-batch. Micro-batches are strided (image `i` goes to micro-batch `i mod k`), so
 * that a batch laid out as all real then all fake images gives every micro-batch both classes.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { classificationLoss, type Backbone } from './backbone.js';
import { releaseDuringBackward } from './backward-release.js';
import { requireOption } from './errors.js';
import { trainingStep } from './train-step.js';

/**
 * Image indices of each micro-batch: `k = ceil(batch / microBatch)` strided groups
 * (`[i, i + k, i + 2k, ...]`), whose sizes differ by at most one.
 *
 * @param batch - images in the batch
 * @param microBatch - the largest micro-batch
 */
export function microBatchIndices(batch: number, microBatch: number): number[][] {
  requireOption(Number.isInteger(batch) && batch >= 1, 'batch', batch, 'an integer >= 1');
  requireOption(Number.isInteger(microBatch) && microBatch >= 1, 'microBatch', microBatch, 'an integer >= 1');
  const k = Math.ceil(batch / microBatch);
  return Array.from({ length: k }, (_, j) => {
    const out: number[] = [];
    for (let i = j; i < batch; i += k) out.push(i);
    return out;
  });
}

/**
 * Sum over micro-batches of `(m_k / B) · ∇ CE_k` for the backbone's trainable weights, and the
 * batch-mean cross-entropy. The caller owns the returned gradients.
 *
 * @param backbone - the network (training mode)
 * @param images - `[B, H, W, 3]` (not disposed)
 * @param labels - `[B]` (not disposed)
 * @param microBatch - the largest micro-batch
 */
export function accumulateGradients(
  backbone: Backbone,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  microBatch: number,
): { loss: number; grads: tf.NamedTensorMap } {
  const batch = images.shape[0];
  const vars = backbone.trainableWeights();
  const groups = microBatchIndices(batch, microBatch);
  let grads: tf.NamedTensorMap | null = null;
  let loss = 0;
  try {
    for (const group of groups) {
      const share = group.length / batch;
      const { value, grads: g } = tf.variableGrads(() => {
        const idx = tf.tensor1d(group, 'int32');
        const x = groups.length === 1 ? images : (tf.gather(images, idx) as tf.Tensor4D);
        const y = groups.length === 1 ? labels : (tf.gather(labels, idx) as tf.Tensor1D);
        idx.dispose();
        return releaseDuringBackward(tf.mul(classificationLoss(backbone.apply(x, true).logits, y), share) as tf.Scalar);
      }, vars);
      loss += value.dataSync()[0]!;
      value.dispose();
      if (grads === null) grads = g;
      else {
        const sum: tf.NamedTensorMap = {};
        for (const name of Object.keys(grads)) {
          sum[name] = tf.add(grads[name]!, g[name]!);
        }
        tf.dispose([...Object.values(grads), ...Object.values(g)]);
        grads = sum;
      }
    }
  } catch (e) {
    if (grads) tf.dispose(Object.values(grads));
    throw e;
  }
  return { loss, grads: grads! };
}

/**
 * One Adam (or any optimizer) step on a batch processed in micro-batches of at most `microBatch`
 * images, with the flooded loss of the whole batch. Returns the un-flooded batch-mean
 * cross-entropy. With `microBatch >= B` it is {@link trainingStep}. Leaves no tensors behind.
 *
 * @param backbone - the network (training mode for this step only)
 * @param optimizer - usually `createAdam`
 * @param images - `[B, H, W, 3]` normalised batch (not disposed)
 * @param labels - `[B]` labels (not disposed)
 * @param floodLevel - flooding level b (0 disables)
 * @param microBatch - the largest micro-batch
 */
export function accumulatedTrainingStep(
  backbone: Backbone,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  floodLevel: number,
  microBatch: number,
): number {
  if (microBatch >= images.shape[0]) return trainingStep(backbone, optimizer, images, labels, floodLevel);
  const { loss, grads } = accumulateGradients(backbone, images, labels, microBatch);
  // d(|L - b| + b)/dL = sign(L - b), as tf.abs' gradient (0 at L = b).
  const sign = floodLevel > 0 ? Math.sign(loss - floodLevel) : 1;
  let applied = grads;
  if (sign !== 1) {
    applied = {};
    for (const [name, g] of Object.entries(grads)) applied[name] = tf.mul(g, sign);
    tf.dispose(Object.values(grads));
  }
  try {
    optimizer.applyGradients(applied);
  } finally {
    tf.dispose(Object.values(applied));
  }
  return loss;
}
