/**
 * Inference-mode batch normalisation as one per-channel affine map, `y = x · scale + shift` with
 * `scale = γ / sqrt(σ² + ε)` and `shift = β − μ · scale` computed on the `[C]` vectors. Forward it
 * is two full-size kernels; its input gradient is one (`dy · scale`), where `tf.batchNorm`'s
 * gradient tiles the statistics to the input's shape and runs half a dozen full-size kernels.
 * This is what the FAM pass of SFE/PSFE differentiates 40 times per Xception. Gradients with respect
 * to γ, β and the statistics are still exact (plain autodiff), and only computed when asked for.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `γ (x − μ) / sqrt(σ² + ε) + β` over the last axis, as a per-channel affine map.
 *
 * @param x - `[..., C]`
 * @param mean - `[C]` moving mean
 * @param variance - `[C]` moving variance
 * @param beta - `[C]` offset, or null
 * @param gamma - `[C]` scale, or null
 * @param epsilon - added to the variance
 */
export function batchNormInference<T extends tf.Tensor>(
  x: T,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  beta: tf.Tensor1D | null,
  gamma: tf.Tensor1D | null,
  epsilon: number,
): T {
  return tf.tidy(() => {
    const { scale, shift } = batchNormScaleShift(mean, variance, beta, gamma, epsilon);
    return tf.add(tf.mul(x, scale), shift) as T;
  });
}

/**
 * The per-channel `scale = γ / sqrt(σ² + ε)` and `shift = β − μ · scale` of an inference-mode batch
 * norm (the caller owns both `[C]` tensors).
 *
 * @param mean - `[C]` moving mean
 * @param variance - `[C]` moving variance
 * @param beta - `[C]` offset, or null
 * @param gamma - `[C]` scale, or null
 * @param epsilon - added to the variance
 */
export function batchNormScaleShift(
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  beta: tf.Tensor1D | null,
  gamma: tf.Tensor1D | null,
  epsilon: number,
): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tf.tidy(() => {
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const scale = (gamma ? tf.mul(inv, gamma) : inv) as tf.Tensor1D;
    const shift = (beta ? tf.sub(beta, tf.mul(mean, scale)) : tf.neg(tf.mul(mean, scale))) as tf.Tensor1D;
    return { scale, shift };
  });
}
