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
 * Where the backend's heap is reachable, both kernels instead run rfm.js' WebAssembly SIMD row passes
 * (simd/batch-norm.wat: per-channel sums in float64, then one pass writing the output) with the
 * per-channel arithmetic in JavaScript: 2 passes over the data plus 1 written forward, 1 plus 1 backward.
 * A third kernel, core's `BATCH_NORM_REBUILD_KERNEL`, is the forward kernel's written pass alone
 * (with an optional ReLU in it), for rebuilding `y` in the backward pass from the saved statistics.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_REBUILD_KERNEL, BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL, type BatchNormRebuildAttrs } from '@rfm/core';
import { channelOp } from './channel-broadcast.js';
import { ownVector } from './kernel-helpers.js';
import { sumToChannels } from './reduce.js';
import { batchNormWasm } from '../simd/batch-norm.generated.js';
import { heapFloat32, heapFloat64, heapModule, heapOffset, type WasmHeapBackend } from '../simd/heap-module.js';

/** Signature of the SIMD module's exports (byte offsets and sizes). */
type SimdRows = (...args: number[]) => void;

/** `[C]` float32 values as a tensor on the heap (the caller disposes it). */
function channelVector(values: ArrayLike<number>): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(values));
}

/** `[C]` output of a kernel with the given values. */
function outputVector(backend: WasmHeapBackend, values: ArrayLike<number>): tf.TensorInfo {
  const out = backend.makeOutput([values.length], 'float32');
  heapFloat32(backend, out).set(values);
  return out;
}

/** Per-channel float64 sums of `mode` (see batch-norm.wat), returned as two `[C]` arrays. */
function channelSums(exports: WebAssembly.Exports, backend: WasmHeapBackend, mode: number, x: tf.TensorInfo, mean: tf.TensorInfo | null, dy: tf.TensorInfo | null): [Float64Array, Float64Array] {
  const c = x.shape[x.shape.length - 1]!;
  // 2C doubles, from the first 8-byte boundary of the scratch tensor (one spare float covers the shift).
  const scratch = tf.zeros([4 * c + 1]);
  try {
    const m = tf.util.sizeFromShape(x.shape) / c;
    const at = (t: tf.TensorInfo | null): number => (t === null ? 0 : heapOffset(backend, t));
    const shift = at(scratch) % 8;
    (exports['channelSums'] as SimdRows)(mode, at(x), at(mean), at(dy), at(scratch) + shift, m, c);
    const sums = heapFloat64(backend, scratch, 2 * c, shift).slice();
    return [sums.subarray(0, c), sums.subarray(c)];
  } finally {
    scratch.dispose();
  }
}

/** The SIMD module when it applies (float32 tensors, SIMD kernels on, the backend's heap reachable). */
function simdModule(backend: WasmHeapBackend, ...tensors: tf.TensorInfo[]): WebAssembly.Exports | null {
  if (tensors.some((t) => t.dtype !== 'float32')) return null;
  return heapModule(batchNormWasm, backend);
}

/**
 * `y = (x - mean) · γ/√(variance+ε) + offset` per channel (with a ReLU when `relu`) in one SIMD pass,
 * the scale computed in float64 from the float32 variance: the forward kernel's last pass, and the
 * whole of the rebuild kernel (so a rebuild equals the forward output bit for bit).
 */
function normalizedRows(backend: WasmHeapBackend, exports: WebAssembly.Exports, x: tf.TensorInfo, stats: Record<'scale' | 'offset' | 'mean' | 'variance', tf.TensorInfo>, epsilon: number, relu: boolean): tf.TensorInfo {
  const c = x.shape[x.shape.length - 1]!;
  const m = tf.util.sizeFromShape(x.shape) / c;
  const v = heapFloat32(backend, stats.variance);
  const g = heapFloat32(backend, stats.scale);
  const k = channelVector(Array.from(v, (vi, i) => g[i]! / Math.sqrt(vi + epsilon)));
  let y: tf.TensorInfo | undefined;
  try {
    y = backend.makeOutput([...x.shape], 'float32');
    const at = (t: tf.TensorInfo): number => heapOffset(backend, t);
    (exports['centeredAffine'] as SimdRows)(at(x), at(stats.mean), at(k), at(stats.offset), at(y), m, c, relu ? 1 : 0);
    return y;
  } catch (error) {
    // Nothing half-written stays on the heap, and k goes even when the output cannot be made.
    if (y !== undefined) tf.engine().makeTensorFromTensorInfo(y).dispose();
    throw error;
  } finally {
    k.dispose();
  }
}

function simdForward(backend: WasmHeapBackend, x: tf.TensorInfo, scale: tf.TensorInfo, offset: tf.TensorInfo, epsilon: number): tf.TensorInfo[] | null {
  const exports = simdModule(backend, x, scale, offset);
  if (exports === null) return null;
  const c = x.shape[x.shape.length - 1]!;
  const m = tf.util.sizeFromShape(x.shape) / c;
  const [sum] = channelSums(exports, backend, 0, x, null, null);
  const mean = outputVector(backend, sum.map((s) => s / m));
  const [squares] = channelSums(exports, backend, 1, x, mean, null);
  const variance = outputVector(backend, squares.map((s) => s / m));
  return [normalizedRows(backend, exports, x, { scale, offset, mean, variance }, epsilon, false), mean, variance];
}

function simdBackward(backend: WasmHeapBackend, args: Record<string, tf.TensorInfo>, epsilon: number): tf.TensorInfo[] | null {
  const { dy, x, scale, mean, variance } = args as Record<string, tf.TensorInfo>;
  const exports = simdModule(backend, dy!, x!, scale!, mean!, variance!);
  if (exports === null) return null;
  const c = x!.shape[x!.shape.length - 1]!;
  const m = tf.util.sizeFromShape(x!.shape) / c;
  const [sumDy, sumDyXc] = channelSums(exports, backend, 2, x!, mean!, dy!);
  const v = heapFloat32(backend, variance!);
  const rstd = Array.from(v, (vi) => 1 / Math.sqrt(vi + epsilon));
  const g = heapFloat32(backend, scale!);
  const vectors = [
    channelVector(rstd.map((r, i) => g[i]! * r)),
    channelVector(Array.from(sumDy, (s) => s / m)),
    channelVector(rstd.map((r, i) => (r * r * sumDyXc[i]!) / m)),
  ];
  try {
    const dx = backend.makeOutput([...x!.shape], 'float32');
    const [k, a, coefficient] = vectors.map((t) => heapOffset(backend, t));
    (exports['batchNormGradRows'] as SimdRows)(heapOffset(backend, dy!), heapOffset(backend, x!), heapOffset(backend, mean!), k!, a!, coefficient!, heapOffset(backend, dx), m, c);
    return [dx, outputVector(backend, rstd.map((r, i) => sumDyXc[i]! * r)), outputVector(backend, sumDy)];
  } finally {
    tf.dispose(vectors);
  }
}

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
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, scale, offset } = inputs as unknown as Record<string, tf.Tensor>;
    const { epsilon } = attrs as unknown as { epsilon: number };
    const simd = simdForward(backend as unknown as WasmHeapBackend, x!, scale!, offset!, epsilon);
    if (simd !== null) return simd;
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
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { dy, x, scale, mean, variance } = inputs as unknown as Record<string, tf.Tensor>;
    const { epsilon } = attrs as unknown as { epsilon: number };
    const simd = simdBackward(backend as unknown as WasmHeapBackend, inputs as unknown as Record<string, tf.TensorInfo>, epsilon);
    if (simd !== null) return simd;
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

/**
 * Rebuild kernel (core's `BATCH_NORM_REBUILD_KERNEL`): inputs `x, scale, offset, mean, variance`,
 * attrs `epsilon`, `relu`; output the forward kernel's `y` for the same input, bit for bit (its
 * last pass, without the two statistics passes), or `relu(y)` as wasm's `Relu` gives it. Where the
 * SIMD module cannot run, the forward kernel's composite form and `tf.relu`.
 */
export const batchNormRebuildConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_REBUILD_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, scale, offset, mean, variance } = inputs as unknown as Record<string, tf.Tensor>;
    const { epsilon, relu } = attrs as unknown as BatchNormRebuildAttrs;
    const heap = backend as unknown as WasmHeapBackend;
    const exports = simdModule(heap, x!, scale!, offset!, mean!, variance!);
    if (exports !== null) return normalizedRows(heap, exports, x!, { scale: scale!, offset: offset!, mean: mean!, variance: variance! }, epsilon, relu);
    return tf.tidy(() => {
      const [y] = batchNormTrainingConfig.kernelFunc({ inputs, attrs: { epsilon }, backend }) as tf.Tensor[];
      return relu ? tf.relu(y!) : y!;
    });
  },
};
