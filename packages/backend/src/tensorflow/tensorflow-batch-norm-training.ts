/**
 * The `tensorflow` backend's kernels for core's fused training batch norm
 * (`BATCH_NORM_TRAINING_KERNEL` / `BATCH_NORM_TRAINING_GRAD_KERNEL` of `@rfm/core`): TensorFlow's
 * `FusedBatchNormV3` (is_training) and `FusedBatchNormGradV3`.
 *
 * tfjs-layers normalises a training batch with `tf.moments` plus `tf.batchNorm`, about 20 tensor
 * ops per layer once differentiated; on tfjs-node these cost about half of an Xception training
 * step (measured: 0.8–0.9 s → 0.37–0.42 s per step with batch norm removed, width 0.25, 128 px,
 * batch 16). Core's `batchNormTraining` (and its layer `RfmBatchNormalization`) runs these two
 * kernels when they are registered; the gradient is registered by core, for every backend.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatTypeAttr, type NodeBackend } from './node-backend.js';
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL, registerBatchNormTrainingGradient } from '@rfm/core';

const BACKEND = 'tensorflow';

function opAttrs(b: NodeBackend, epsilon: number, dataFormat: 'NHWC' | 'NDHWC'): unknown[] {
  return [
    floatTypeAttr(b),
    floatTypeAttr(b, 'U'),
    { name: 'epsilon', type: b.binding['TF_ATTR_FLOAT'], value: epsilon },
    { name: 'data_format', type: b.binding['TF_ATTR_STRING'], value: dataFormat },
    { name: 'is_training', type: b.binding['TF_ATTR_BOOL'], value: true },
  ];
}

/** Smallest batch-norm input that is padded to a multiple of 16 channels (2^19 elements, e.g. `[16, 16, 16, 128]`). */
const PAD_FROM_ELEMENTS = 1 << 19;

/**
 * How a batch norm input of `shape` runs in TensorFlow, where oneDNN's kernels take 5-7x longer
 * when the channels are not a multiple of 16:
 * - `'pad'`: padded to the next multiple of 16 channels, then oneDNN (tensors of at least
 *   {@link PAD_FROM_ELEMENTS} elements; measured on `[16, 14, 14, C]`, forward: 728 channels
 *   10.0 ms, 720 or 736 channels 1.4 ms). Padding costs about a dozen small kernel calls per layer
 *   (~2 ms), too much for smaller tensors;
 * - `'eigen'`: smaller tensors with more than 16 channels run as a 5-D tensor `[N, 1, H, W, C]`
 *   (`NDHWC`), which TensorFlow does not hand to oneDNN, so its own Eigen kernel runs (medians of
 *   40 interleaved calls on `[16, 8, 8, 182]`, Xception w0.25's middle flow: forward 1.55 → 0.82 ms,
 *   backward 2.38 → 1.27 ms, plus about 0.1 ms per reshape). With 8 channels oneDNN is the faster;
 * - `'onednn'`: everything else, as it is.
 *
 * @param shape - the `[N, H, W, C]` input
 * @returns the route, and the channels the kernel sees
 */
export function batchNormRoute(shape: readonly number[]): { readonly route: 'pad' | 'eigen' | 'onednn'; readonly channels: number } {
  const c = shape[shape.length - 1]!;
  if (c <= 16 || c % 16 === 0) return { route: 'onednn', channels: c };
  if (tf.util.sizeFromShape([...shape]) >= PAD_FROM_ELEMENTS) return { route: 'pad', channels: Math.ceil(c / 16) * 16 };
  return { route: 'eigen', channels: c };
}

/** `t` with its last axis padded to `to` entries with `value`. */
function padChannels(t: tf.TensorInfo, to: number, value: number): tf.Tensor {
  const paddings = t.shape.map((d, i): [number, number] => [0, i === t.shape.length - 1 ? to - d : 0]);
  return tf.pad(t as tf.Tensor, paddings, value);
}

/** `t` (`[N, H, W, C]`) as `[N, 1, H, W, C]`, or a 5-D `t` back as `[N, H, W, C]`. */
function toggleDepthAxis(t: tf.TensorInfo): tf.Tensor {
  const s = t.shape;
  return tf.reshape(t as tf.Tensor, s.length === 4 ? [s[0]!, 1, s[1]!, s[2]!, s[3]!] : [s[0]!, s[2]!, s[3]!, s[4]!]);
}

/** The first `c` channels of `t` (last axis). */
function sliceChannels(t: tf.Tensor, c: number): tf.Tensor {
  return tf.slice(t, t.shape.map(() => 0), [...t.shape.slice(0, -1), c]);
}

/**
 * Runs TensorFlow op `op` with the shared attributes plus `extraAttrs`, the kernel's `inputNames`
 * followed by `empties` empty vectors, and returns the outputs at `keep` (the others are freed).
 * The data takes its {@link batchNormRoute}: padded channels (data with zeros, per-channel vectors
 * with ones; the outputs cut back, and padded channels never mix with the others), or 5-D for
 * TensorFlow's Eigen kernel (reshaped back after).
 */
function runFusedBatchNormOp(
  args: Parameters<tf.KernelFunc>[0],
  op: string,
  extraAttrs: unknown[],
  inputNames: readonly string[],
  empties: number,
  outputs: number,
  keep: readonly number[],
): tf.TensorInfo[] {
  const b = args.backend as unknown as NodeBackend;
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const inputs = inputNames.map((n) => (args.inputs as Record<string, tf.TensorInfo>)[n]!);
  const c = inputs[0]!.shape[3]!;
  const { route, channels } = batchNormRoute(inputs[0]!.shape);
  const isData = (t: tf.TensorInfo): boolean => t.shape.length !== 1;
  const owned: tf.Tensor[] = [tf.tensor1d([], 'float32')];
  try {
    const operands =
      route === 'pad' ? inputs.map((t) => padChannels(t, channels, isData(t) ? 0 : 1)) : route === 'eigen' ? inputs.map((t) => (isData(t) ? toggleDepthAxis(t) : t)) : inputs;
    owned.push(...operands.filter((t, i) => t !== inputs[i]).map((t) => t as tf.Tensor));
    const attrs = [...opAttrs(b, epsilon, route === 'eigen' ? 'NDHWC' : 'NHWC'), ...extraAttrs];
    const out = b.executeMultipleOutputs(op, attrs, [...operands, ...Array<tf.TensorInfo>(empties).fill(owned[0]!)], outputs);
    tf.dispose(out.filter((_, k) => !keep.includes(k)) as tf.Tensor[]);
    const kept = keep.map((k) => out[k]! as tf.Tensor);
    if (route === 'onednn') return kept;
    if (route === 'eigen') {
      owned.push(...kept.filter(isData));
      return kept.map((t) => (isData(t) ? toggleDepthAxis(t) : t));
    }
    owned.push(...kept);
    return kept.map((t) => sliceChannels(t, c));
  } finally {
    tf.dispose(owned);
  }
}

/** Forward: `[y, batch mean, biased batch variance]` (TensorFlow's reserve spaces 1 and 2 on CPU). */
const forwardConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNEL,
  backendName: BACKEND,
  // Outputs: y, batch_mean, batch_variance (Bessel-corrected), reserve_1 (mean), reserve_2 (biased variance), reserve_3.
  kernelFunc: (args) =>
    runFusedBatchNormOp(args, 'FusedBatchNormV3', [{ name: 'exponential_avg_factor', type: (args.backend as unknown as NodeBackend).binding['TF_ATTR_FLOAT'], value: 1 }], ['x', 'scale', 'offset'], 2, 6, [0, 3, 4]),
};

/** Backward: `[dx, d scale, d offset]`. */
const backwardConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD_KERNEL,
  backendName: BACKEND,
  kernelFunc: (args) => runFusedBatchNormOp(args, 'FusedBatchNormGradV3', [], ['dy', 'x', 'scale', 'mean', 'variance'], 1, 5, [0, 1, 2]),
};

/** Registers the native training batch norm kernels on `tensorflow`, and core's gradient (idempotent). */
export function registerBatchNormTrainingKernels(): void {
  registerBatchNormTrainingGradient();
  if (tf.getKernel(BATCH_NORM_TRAINING_KERNEL, BACKEND)) return;
  tf.registerKernel(forwardConfig);
  tf.registerKernel(backwardConfig);
}

/** Removes them again (for tests). */
export function unregisterBatchNormTrainingKernels(): void {
  if (!tf.getKernel(BATCH_NORM_TRAINING_KERNEL, BACKEND)) return;
  tf.unregisterKernel(BATCH_NORM_TRAINING_KERNEL, BACKEND);
  tf.unregisterKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, BACKEND);
}
