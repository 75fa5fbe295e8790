/**
 * Test kernels for `cpu` of the fused training batch norm, its backward pass and its rebuild from
 * saved statistics, written with
 * tensor ops in another order than the composite path (so the two differ by rounding, as a real
 * backend's would). Tests register them to run core's kernel paths without `@rfm/backend`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_REBUILD_KERNEL, type BatchNormRebuildAttrs } from '../ops/batch-norm-rebuild.js';
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL } from '../ops/batch-norm-training.js';

/** `xc · scale/√(variance+ε) + offset` with `xc = x - mean`: the forward and rebuild kernels' last step. */
function normalized(xc: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, variance: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.add(tf.mul(xc, tf.mul(scale, tf.rsqrt(tf.add(variance, epsilon)))), offset);
}

/**
 * The three kernel configs, for `tf.registerKernel` (and `tf.unregisterKernel(name, 'cpu')` after).
 * The rebuild gives the forward kernel's `y` bit for bit.
 *
 * @param onBackward - called on each backward kernel call (to count them)
 * @param onRebuild - called on each rebuild kernel call with its `relu` attribute
 */
export function createCpuBatchNormTestKernels(
  onBackward: () => void = () => undefined,
  onRebuild: (relu: boolean) => void = () => undefined,
): { forward: tf.KernelConfig; backward: tf.KernelConfig; rebuild: tf.KernelConfig } {
  const forward: tf.KernelConfig = {
    kernelName: BATCH_NORM_TRAINING_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, scale, offset } = inputs as unknown as Record<string, tf.Tensor>;
      const { epsilon } = attrs as unknown as { epsilon: number };
      return tf.tidy(() => {
        const m = x!.size / x!.shape[3]!;
        const mean = tf.div(tf.sum(x!, [0, 1, 2]), m);
        const xc = tf.sub(x!, mean);
        const variance = tf.div(tf.sum(tf.square(xc), [0, 1, 2]), m);
        return [normalized(xc, scale!, offset!, variance, epsilon), mean, variance];
      });
    },
  };
  const rebuild: tf.KernelConfig = {
    kernelName: BATCH_NORM_REBUILD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, scale, offset, mean, variance } = inputs as unknown as Record<string, tf.Tensor>;
      const { epsilon, relu } = attrs as unknown as BatchNormRebuildAttrs;
      onRebuild(relu);
      return tf.tidy(() => {
        const y = normalized(tf.sub(x!, mean!), scale!, offset!, variance!, epsilon);
        return relu ? tf.relu(y) : y;
      });
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: BATCH_NORM_TRAINING_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs }) => {
      onBackward();
      const { dy, x, scale, mean, variance } = inputs as unknown as Record<string, tf.Tensor>;
      const { epsilon } = attrs as unknown as { epsilon: number };
      return tf.tidy(() => {
        const m = x!.size / x!.shape[3]!;
        const rstd = tf.rsqrt(tf.add(variance!, epsilon));
        const xc = tf.sub(x!, mean!);
        const dOffset = tf.sum(dy!, [0, 1, 2]);
        const dyXc = tf.sum(tf.mul(dy!, xc), [0, 1, 2]);
        const k = tf.mul(scale!, rstd);
        const dx = tf.mul(tf.sub(tf.sub(dy!, tf.div(dOffset, m)), tf.mul(xc, tf.div(tf.mul(dyXc, tf.square(rstd)), m))), k);
        return [dx, tf.mul(dyXc, rstd), dOffset];
      });
    },
  };
  return { forward, backward, rebuild };
}
