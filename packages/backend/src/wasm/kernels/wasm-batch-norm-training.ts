/**
 * wasm kernels for core's fused training batch norm (`BATCH_NORM_TRAINING_KERNEL`,
 * `BATCH_NORM_TRAINING_GRAD_KERNEL` of `@rfm/core`: `RfmBatchNormTraining`,
 * `RfmBatchNormTrainingGrad`), so that `batchNormTraining()` and core's `RfmBatchNormalization`
 * run as two fused kernels on wasm as on `tensorflow`. tfjs-layers' batch norm is ~25 tensor ops per
 * layer once differentiated; these are 5 passes forward and 6 backward, built from average pooling
 * (per-channel sums) and 1x1 depthwise convolutions with biases (per-channel affine maps).
 *
 * Forward: `mean = E[x]`, `xc = x - mean`, `var = E[xc²]` (biased, as `tf.moments`),
 * `y = xc · γ/√(var+ε) + β`. Backward with the batch statistics differentiated (TensorFlow's
 * `FusedBatchNormGradV3` with `is_training`): `dβ = Σdy`, `dγ = Σ(dy·xc)/√(var+ε)`,
 * `dx = γ/√(var+ε) · (dy - dβ/M - xc·Σ(dy·xc)/((var+ε)·M))`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL } from '@rfm/core';
import { channelOp } from './channel-broadcast.js';
import { ownVector } from './kernel-helpers.js';
import { sumToChannels } from './reduce.js';

/** `x·k + b` per channel (`[..., C]` with `[C]` vectors), one 1x1 depthwise convolution. */
function affine(x: tf.Tensor, k: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor {
  const c = x.shape[x.rank - 1]!;
  const x4 = tf.reshape(x, [1, 1, x.size / c, c]) as tf.Tensor4D;
  const filter = tf.reshape(k, [1, 1, c, 1]) as tf.Tensor4D;
  return tf.reshape(tf.fused.depthwiseConv2d({ x: x4, filter, strides: 1, pad: 'valid', bias: ownVector(b, c) }), x.shape);
}

/** Forward kernel: inputs `x, scale, offset`, attr `epsilon`; outputs `[y, mean, variance]`. */
export const batchNormTrainingConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, scale, offset } = inputs as unknown as Record<string, tf.Tensor>;
    const { epsilon } = attrs as unknown as { epsilon: number };
    return tf.tidy(() => {
      const m = x!.size / x!.shape[x!.rank - 1]!;
      const mean = tf.div(sumToChannels(x!), m) as tf.Tensor1D;
      const xc = channelOp('sub', x!, mean, true);
      const variance = tf.div(sumToChannels(tf.square(xc)), m) as tf.Tensor1D;
      const k = tf.mul(scale!, tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
      return [affine(xc, k, offset as tf.Tensor1D), mean, variance];
    });
  },
};

/** Backward kernel: inputs `dy, x, scale, mean, variance`, attr `epsilon`; outputs `[dx, dScale, dOffset]`. */
export const batchNormTrainingGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, x, scale, mean, variance } = inputs as unknown as Record<string, tf.Tensor>;
    const { epsilon } = attrs as unknown as { epsilon: number };
    return tf.tidy(() => {
      const m = x!.size / x!.shape[x!.rank - 1]!;
      const rstd = tf.rsqrt(tf.add(variance!, epsilon)) as tf.Tensor1D;
      const xc = channelOp('sub', x!, mean!, true);
      const dOffset = sumToChannels(dy!);
      const dyXc = sumToChannels(tf.mul(dy!, xc));
      const dScale = tf.mul(dyXc, rstd);
      const k1 = tf.mul(scale!, rstd) as tf.Tensor1D;
      const k2 = tf.div(tf.neg(tf.mul(tf.mul(k1, tf.square(rstd)), dyXc)), m) as tf.Tensor1D;
      const k3 = tf.div(tf.neg(tf.mul(k1, dOffset)), m) as tf.Tensor1D;
      const dx = tf.add(affine(dy!, k1, k3), channelOp('mul', xc, k2, true));
      return [dx, dScale, dOffset];
    });
  },
};
