/**
 * One optimisation step of the RFM recipe: training-mode forward pass, mean cross-entropy,
 * flooding, Adam update (spec §2.5 steps 5-7).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { classificationLoss, floodLoss, type Backbone } from './backbone.js';
import { releaseDuringBackward } from './backward-release.js';
import { FlatAdamOptimizer } from './flat-adam.js';

/** Options of {@link createAdam}. */
export interface AdamOptions {
  /** Learning rate. @default 2e-4 */
  readonly learningRate?: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** PyTorch's default; tfjs would otherwise use the backend epsilon (1e-7). @default 1e-8 */
  readonly epsilon?: number;
}

/**
 * Adam with RFM's settings (lr 2e-4, betas 0.9/0.999, epsilon 1e-8, no weight decay).
 *
 * @param options - overrides
 */
export function createAdam(options: AdamOptions = {}): tf.AdamOptimizer {
  // One fused update of all weights (same arithmetic as tf.train.adam, far fewer kernel calls).
  return new FlatAdamOptimizer(options.learningRate ?? 2e-4, options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.epsilon ?? 1e-8);
}

/**
 * Runs one training step on an (already augmented) batch and returns the un-flooded mean
 * cross-entropy, the value the official code logs. Leaves no tensors behind.
 *
 * @param backbone - the network (switched to training mode for this forward pass only)
 * @param optimizer - usually {@link createAdam}
 * @param images - `[B, H, W, 3]` normalised batch (not disposed)
 * @param labels - `[B]` labels (not disposed)
 * @param floodLevel - flooding level b (0.04 in RFM; 0 disables)
 */
export function trainingStep(
  backbone: Backbone,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  floodLevel: number,
): number {
  let ce: tf.Scalar | undefined;
  const flooded = optimizer.minimize(
    () => {
      const out = backbone.apply(images, true);
      const loss = classificationLoss(out.logits, labels);
      ce = tf.keep(tf.clone(loss));
      return releaseDuringBackward(floodLoss(loss, floodLevel));
    },
    true,
    backbone.trainableWeights(),
  );
  const value = ce!.dataSync()[0]!;
  tf.dispose([ce!, flooded!]);
  return value;
}
