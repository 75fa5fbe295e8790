/**
 * Fills gaps of tfjs-node 4.22.0's `tensorflow` backend that the `cpu` and `wasm` backends do not
 * have. Its `MaxPool` and `MaxPoolGrad` kernels accept only `'valid'` and `'same'` padding and
 * throw for numeric or explicit padding ("TF Backend supports only 'valid' and 'same' padding while
 * padding was NUMBER"), which `@rfm/models`' PyTorch-style `SymmetricMaxPooling2D` (Xception's
 * default pools) uses. The patched kernels pad the input with -Infinity and run TensorFlow's
 * `'valid'` pool (the gradient is cropped back), and pass every other case to the original kernel.
 * `MaxPoolGrad` runs through oneDNN where the TensorFlow build has it (onednn-max-pool-grad.ts).
 * It also registers the native kernels of core's training batch norm (`batchNormTraining`) and routes the
 * ReLU gradient to TensorFlow's `ReluGrad` (relu-grad.ts), and registers core's fused convolution +
 * bias + activation of inference passes (onednn-conv-bias.ts), and runs core's flat Adam step as
 * TensorFlow's fused `ResourceApplyAdam` (tensorflow-flat-adam.ts). Pointwise convolutions and
 * their gradients run as matrix products (pointwise-matmul.ts).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_KERNEL, CONV_BIAS_ACTIVATION_KERNEL } from '@rfm/core';
import { registerConvBiasActivationKernel, unregisterConvBiasActivationKernel } from './onednn-conv-bias.js';
import { registerTensorflowFlatAdam, unregisterTensorflowFlatAdam } from './tensorflow-flat-adam.js';
import { registerBatchNormTrainingKernels, unregisterBatchNormTrainingKernels } from './tensorflow-batch-norm-training.js';
import { oneDnnMaxPoolGrad } from './onednn-max-pool-grad.js';
import { POINTWISE_MATMUL_KERNELS, pointwiseMatMulKernel } from './pointwise-matmul.js';
import { registerReluGrad, RELU_GRAD_KERNEL, unregisterReluGrad } from '../relu-grad.js';

/** Kernels of the `tensorflow` backend replaced or added by {@link registerNativeKernelPatches}. */
export const NATIVE_KERNEL_PATCHES: readonly string[] = ['MaxPool', 'MaxPoolGrad', ...POINTWISE_MATMUL_KERNELS, BATCH_NORM_TRAINING_KERNEL, RELU_GRAD_KERNEL, CONV_BIAS_ACTIVATION_KERNEL];
const REPLACED = ['MaxPool', 'MaxPoolGrad', ...POINTWISE_MATMUL_KERNELS];

const originals = new Map<string, tf.KernelConfig>();
const BACKEND = 'tensorflow';

interface PoolAttrs {
  readonly filterSize: [number, number] | number;
  readonly strides: [number, number] | number;
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Whether TensorFlow's `'same'` padding gives these pads and output size along one axis. */
function sameAlong(n: number, k: number, s: number, out: number, before: number, after: number): boolean {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return out === Math.ceil(n / s) && before === Math.floor(total / 2) && after === total - Math.floor(total / 2);
}

/**
 * `[[0,0],[top,bottom],[left,right],[0,0]]` that turns the pool into TensorFlow's `'valid'` one
 * producing `outHW` (default: the output tfjs computes for these attributes); `'same'` when the
 * numeric or explicit padding is exactly TensorFlow's `'same'` one (Xception's 3x3/2 pools with
 * padding 1 on odd sizes), so that no padded copy is needed; or null when the original kernel
 * already does the right thing.
 */
function validPadding(
  shape: readonly number[],
  a: PoolAttrs,
  outHW?: readonly [number, number],
): { paddings: Array<[number, number]>; top: number; left: number } | 'same' | null {
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const [outH, outW] = outHW ?? [info.outHeight, info.outWidth];
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  if (info.padInfo.type === 'SAME') return null;
  const { top, bottom, left, right } = info.padInfo;
  if (info.padInfo.type !== 'VALID' && sameAlong(shape[1]!, fh, sh, outH, top, bottom) && sameAlong(shape[2]!, fw, sw, outW, left, right)) return 'same';
  const validFloor = (n: number, k: number, s: number): number => Math.floor((n - k) / s) + 1;
  if (info.padInfo.type === 'VALID' && validFloor(shape[1]!, fh, sh) === outH && validFloor(shape[2]!, fw, sw) === outW) return null;
  const extraH = Math.max(0, (outH - 1) * sh + fh - (shape[1]! + top + bottom));
  const extraW = Math.max(0, (outW - 1) * sw + fw - (shape[2]! + left + right));
  return {
    paddings: [
      [0, 0],
      [top, bottom + extraH],
      [left, right + extraW],
      [0, 0],
    ],
    top,
    left,
  };
}

function maxPool(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs['x'] as tf.Tensor4D;
    const attrs = args.attrs as unknown as PoolAttrs;
    const p = validPadding(x.shape, attrs);
    if (!p) return original(args);
    if (p === 'same') return original({ ...args, attrs: { ...(args.attrs as tf.NamedAttrMap), pad: 'same', dimRoundingMode: 'floor' } });
    const xp = tf.pad(x, p.paddings, -Infinity);
    try {
      return original({ ...args, inputs: { x: xp }, attrs: { ...(args.attrs as tf.NamedAttrMap), pad: 'valid', dimRoundingMode: 'floor' } });
    } finally {
      xp.dispose();
    }
  };
}

function maxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input, output } = args.inputs as { dy: tf.Tensor4D; input: tf.Tensor4D; output: tf.Tensor4D };
    const attrs = args.attrs as unknown as PoolAttrs;
    // tfjs' MaxPool gradient does not pass dimRoundingMode on: take the output size from `output`.
    const p = validPadding(input.shape, attrs, [output.shape[1], output.shape[2]]);
    if (!p) return original(args);
    if (p === 'same') return original({ ...args, attrs: { ...(args.attrs as tf.NamedAttrMap), pad: 'same', dimRoundingMode: 'floor' } });
    return tf.tidy(() => {
      const xp = tf.pad(input, p.paddings, -Infinity);
      const info = original({ ...args, inputs: { dy, input: xp, output }, attrs: { ...(args.attrs as tf.NamedAttrMap), pad: 'valid', dimRoundingMode: 'floor' } });
      // tfjs-node's kernels return tracked Tensors; wrap only a bare TensorInfo (wrapping twice would miscount).
      const dxp = info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
      return tf.slice(dxp, [0, p.top, p.left, 0], input.shape);
    });
  };
}

/**
 * Replaces the `tensorflow` backend's `MaxPool` and `MaxPoolGrad` kernels with versions that also
 * take numeric and explicit padding (the gradient through oneDNN where available), adds the native training batch norm used by
 * core's `batchNormTraining` and `RfmBatchNormalization`, computes the ReLU gradient with TensorFlow's `ReluGrad`, adds core's
 * `convBiasActivation` kernel, and runs pointwise convolutions as `MatMul`; it also keeps `FlatAdamOptimizer`'s moments in TensorFlow resource
 * variables, stepped by the fused `ResourceApplyAdam` (tensorflow-flat-adam.ts). Call it after tfjs-node has loaded (`initBackend` does); idempotent;
 * a no-op (returning `[]`) when the `tensorflow` backend's kernels are not registered.
 *
 * @returns the names of the kernels now patched
 * @example
 * ```ts
 * await initBackend('tensorflow');
 * registerNativeKernelPatches(); // Xception's symmetric max pools now run natively
 * ```
 */
export function registerNativeKernelPatches(): readonly string[] {
  const wrappers: Record<string, (k: tf.KernelFunc) => tf.KernelFunc> = { MaxPool: maxPool, MaxPoolGrad: (k) => maxPoolGrad(oneDnnMaxPoolGrad(k)) };
  for (const name of POINTWISE_MATMUL_KERNELS) wrappers[name] = (k) => pointwiseMatMulKernel(name, k);
  const patched: string[] = [];
  for (const name of REPLACED) {
    if (originals.has(name)) {
      patched.push(name);
      continue;
    }
    const original = tf.getKernel(name, BACKEND);
    if (!original) continue;
    originals.set(name, original);
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...original, kernelFunc: wrappers[name]!(original.kernelFunc) });
    patched.push(name);
  }
  if (patched.length > 0) {
    registerBatchNormTrainingKernels();
    registerReluGrad();
    registerConvBiasActivationKernel();
    registerTensorflowFlatAdam();
    patched.push(BATCH_NORM_TRAINING_KERNEL, RELU_GRAD_KERNEL, CONV_BIAS_ACTIVATION_KERNEL);
  }
  return patched;
}

/** Puts tfjs-node's original kernels back (for tests). */
export function unregisterNativeKernelPatches(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(original);
  }
  originals.clear();
  unregisterBatchNormTrainingKernels();
  unregisterReluGrad();
  unregisterConvBiasActivationKernel();
  unregisterTensorflowFlatAdam();
}

/** True when {@link registerNativeKernelPatches} is in effect. */
export function nativeKernelPatchesRegistered(): boolean {
  return originals.size > 0;
}
