/**
 * Training-mode batch normalisation as one kernel each way, on any backend that registers it.
 *
 * tfjs-layers normalises a training batch with `tf.moments` plus `tf.batchNorm`, about 20–25 tensor
 * ops per layer once differentiated. A backend can instead register one forward kernel
 * ({@link BATCH_NORM_TRAINING_KERNEL}) and one backward kernel
 * ({@link BATCH_NORM_TRAINING_GRAD_KERNEL}); `@rfm/backend` does so for `tensorflow` (TensorFlow's
 * `FusedBatchNormV3` / `FusedBatchNormGradV3`) and for `wasm`. {@link batchNormTraining} runs the
 * kernel where the active backend has it and the composite ops elsewhere (same results within
 * float32 rounding). The gradient registered here is the full batch-norm gradient (the batch
 * statistics are functions of x), as tfjs-layers' own training-mode batch norm differentiates.
 *
 * Kernel contract (NHWC, float32):
 * - forward, inputs `x [N,H,W,C]`, `scale [C]`, `offset [C]`, attr `epsilon` → `[y, mean, variance]`
 *   with the batch mean and the biased batch variance (as `tf.moments`);
 * - backward, inputs `dy, x, scale, mean, variance`, attr `epsilon` → `[dx, dScale, dOffset]`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of the fused training batch norm (registered per backend by `@rfm/backend`). */
export const BATCH_NORM_TRAINING_KERNEL = 'RfmBatchNormTraining';

/** Kernel name of its backward pass (inputs `dy, x, scale, mean, variance` → `[dx, dScale, dOffset]`). */
export const BATCH_NORM_TRAINING_GRAD_KERNEL = `${BATCH_NORM_TRAINING_KERNEL}Grad`;

/** Attributes of both kernels (backends read `epsilon`; `statisticsGradient` is the gradient's). */
export interface BatchNormTrainingAttrs {
  /** Added to the variance. */
  readonly epsilon: number;
  /** Whether gradients reaching the mean and variance outputs flow back to `x` ({@link BatchNormTrainingOptions}). */
  readonly statisticsGradient?: boolean;
}

/** Reshapes a `[C]` vector to `[1, 1, 1, C]` for broadcasting against NHWC. */
function perChannel(v: tf.Tensor): tf.Tensor4D {
  return tf.reshape(v, [1, 1, 1, v.size]);
}

/**
 * The backward pass with tensor ops, for a backend that has the forward kernel but not the
 * backward one: `dβ = Σdy`, `dγ = Σ(dy·x̂)`, `dx = γ/√(var+ε) · (dy − dβ/M − x̂·dγ/M)` with
 * `x̂ = (x − mean)/√(var+ε)` and M = N·H·W.
 */
function compositeGrad(dy: tf.Tensor, x: tf.Tensor, scale: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): tf.Tensor[] {
  return tf.tidy(() => {
    const m = x.size / x.shape[x.rank - 1]!;
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x, perChannel(mean)), perChannel(rstd));
    const dOffset = tf.sum(dy, [0, 1, 2]);
    const dScale = tf.sum(tf.mul(dy, xhat), [0, 1, 2]);
    const inner = tf.sub(tf.sub(dy, perChannel(tf.div(dOffset, m))), tf.mul(xhat, perChannel(tf.div(dScale, m))));
    const dx = tf.mul(inner, perChannel(tf.mul(scale, rstd)));
    return [dx, dScale, dOffset];
  });
}

/**
 * Gradient of {@link BATCH_NORM_TRAINING_KERNEL}: the backward kernel of the active backend (or
 * {@link compositeGrad}), plus the gradients that reach the mean and variance outputs directly
 * (`dx += dmean/M + dvar·2(x − mean)/M`) unless the call set `statisticsGradient: false`. tfjs'
 * engine hands a gradient function zeros (not null) for outputs that receive no gradient, so this
 * term costs six full-size ops per layer even when only `y` is used; the flag skips it.
 */
const gradientConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, variance] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const [dy, dMean, dVariance] = (Array.isArray(dys) ? dys : [dys]) as (tf.Tensor | null | undefined)[];
    const { epsilon, statisticsGradient } = attrs as unknown as BatchNormTrainingAttrs;
    let dx: tf.Tensor;
    let dScale: tf.Tensor;
    let dOffset: tf.Tensor;
    if (dy) {
      [dx, dScale, dOffset] = tf.getKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, tf.getBackend())
        ? (tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, { dy, x, scale, mean, variance }, { epsilon }) as tf.Tensor[])
        : compositeGrad(dy, x, scale, mean, variance, epsilon);
    } else {
      [dx, dScale, dOffset] = [tf.zerosLike(x), tf.zerosLike(scale), tf.zerosLike(scale)];
    }
    if (statisticsGradient !== false && (dMean || dVariance)) {
      const m = x.size / x.shape[3];
      const extra = tf.tidy(() => {
        let e: tf.Tensor = tf.zerosLike(x);
        if (dMean) e = tf.add(e, perChannel(tf.div(dMean, m)));
        if (dVariance) e = tf.add(e, tf.mul(tf.sub(x, perChannel(mean)), perChannel(tf.div(tf.mul(dVariance, 2), m))));
        return tf.add(dx, e);
      });
      dx.dispose();
      dx = extra;
    }
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};

/**
 * Registers the gradient of {@link BATCH_NORM_TRAINING_KERNEL} (gradients are global in tfjs, not
 * per backend). Idempotent; {@link batchNormTraining} calls it before running the kernel, and
 * `@rfm/backend` when it registers the kernels.
 */
export function registerBatchNormTrainingGradient(): void {
  if (tf.getGradient(BATCH_NORM_TRAINING_KERNEL) !== gradientConfig) tf.registerGradient(gradientConfig);
}

/**
 * True when the active backend (or `backend`) has the fused training batch norm kernel.
 *
 * @param backend - backend name; the active one when omitted
 */
export function hasBatchNormTrainingKernel(backend: string = tf.getBackend()): boolean {
  return tf.getKernel(BATCH_NORM_TRAINING_KERNEL, backend) !== undefined;
}

/** Output of {@link batchNormTraining}; the caller owns all three tensors. */
export interface BatchNormTrainingResult {
  /** `(x − mean) / √(variance + ε) · gamma + beta`, differentiable with respect to x, gamma and beta. */
  readonly y: tf.Tensor4D;
  /** Batch mean per channel `[C]` (for the moving averages). */
  readonly mean: tf.Tensor1D;
  /** Biased batch variance per channel `[C]` (as `tf.moments`; for the moving averages). */
  readonly variance: tf.Tensor1D;
}

/** Options of {@link batchNormTraining}. */
export interface BatchNormTrainingOptions {
  /**
   * Whether gradients that reach the returned `mean` and `variance` flow back to `x`. `false`
   * treats them as constants (a stop-gradient): right when they only feed the moving averages, as
   * in core's `RfmBatchNormalization` layer, and it saves six full-size ops per layer in the backward pass.
   * The gradient through `y` always includes the batch statistics as functions of `x`.
   * @default true
   */
  readonly statisticsGradient?: boolean;
}

/** The attributes of each {@link BATCH_NORM_TRAINING_KERNEL} call, by its output `y`. */
const kernelAttrs = new WeakMap<tf.Tensor, BatchNormTrainingAttrs>();

/**
 * The attributes that {@link batchNormTraining} ran its kernel with to produce `y` (tfjs' tape
 * keeps a kernel's inputs and outputs but not its attributes), or undefined for another tensor.
 *
 * @param y - an output `y` of {@link batchNormTraining}
 */
export function batchNormTrainingAttrsOf(y: tf.Tensor): BatchNormTrainingAttrs | undefined {
  return kernelAttrs.get(y);
}

/**
 * Training-mode batch normalisation of an NHWC batch over `[N, H, W]` with the batch's own
 * statistics. Runs {@link BATCH_NORM_TRAINING_KERNEL} when the active backend registers it (after
 * `initBackend` from `@rfm/backend`: `tensorflow` and `wasm`), otherwise `tf.moments` +
 * `tf.batchNorm` (exactly tfjs-layers' training-mode ops). Same results within float32 rounding;
 * both are differentiated as a whole, the batch statistics included.
 *
 * @param x - `[N, H, W, C]`; non-float32 inputs take the composite path
 * @param gamma - scale `[C]`, or null for 1
 * @param beta - offset `[C]`, or null for 0
 * @param epsilon - added to the variance
 * @param options - whether the returned statistics are differentiated
 * @returns output and batch statistics (the caller owns them)
 * @example
 * ```ts
 * const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-5);
 * movingMean.assign(tf.add(tf.mul(movingMean, 0.9), tf.mul(mean, 0.1)));
 * tf.dispose([mean, variance]);
 * ```
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D | null,
  beta: tf.Tensor1D | null,
  epsilon: number,
  options: BatchNormTrainingOptions = {},
): BatchNormTrainingResult {
  if (x.dtype === 'float32' && hasBatchNormTrainingKernel()) {
    registerBatchNormTrainingGradient();
    const c = x.shape[3];
    const scale = gamma ?? tf.ones([c]);
    const offset = beta ?? tf.zeros([c]);
    const attrs: BatchNormTrainingAttrs = { epsilon, statisticsGradient: options.statisticsGradient ?? true };
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, scale, offset }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    kernelAttrs.set(y!, attrs);
    if (!gamma) scale.dispose();
    if (!beta) offset.dispose();
    return { y: y as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  return tf.tidy(() => {
    const m = tf.moments(x, [0, 1, 2]);
    const y = tf.batchNorm(x, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, beta ?? undefined, gamma ?? undefined, epsilon);
    if (options.statisticsGradient !== false) return { y: y as tf.Tensor4D, mean: m.mean as tf.Tensor1D, variance: m.variance as tf.Tensor1D };
    return { y: y as tf.Tensor4D, mean: withoutGradient(m.mean) as tf.Tensor1D, variance: withoutGradient(m.variance) as tf.Tensor1D };
  });
}

/** `t`'s values as a tensor whose gradient is zero (a stop-gradient). */
function withoutGradient(t: tf.Tensor): tf.Tensor {
  const constant = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
  }));
  return constant(t);
}
