/**
 * Registers the kernels that make the wasm backend trainable (tfjs-backend-wasm 4.22.0): the three
 * convolution gradients it lacks; replacements for kernels it has that are slow in a training step
 * (`Conv2DBackpropInput`, `Tile`, leading-axis `Sum`/`Mean`, per-channel `Multiply`/`Add`/`Sub`,
 * `FusedBatchNorm`, `Fill`, copying `Identity`/`Cast`, `Slice`/`SplitV` that copy the whole input per
 * piece) or wrong (`MaxPoolGrad` with `same` padding);
 * the kernels of core's fused training batch norm (`batchNormTraining`, `RfmBatchNormalization`) and
 * of its rebuild from saved statistics (`BATCH_NORM_REBUILD_KERNEL`); and
 * core's fused convolution + bias + activation of inference passes (`convBiasActivation`); and
 * `Conv2D`. Every convolution (like the GEMMs of the convolution gradients) runs rfm.js'
 * relaxed-SIMD GEMM where the runtime has relaxed SIMD (`kernels/heap-gemm.ts`).
 * Every replacement falls back to wasm's own kernel outside the cases it handles. Most are built
 * from wasm ops (XNNPACK convolutions, GEMMs and poolings, pads, transposes); the depthwise filter
 * gradient, `MaxPoolGrad`, the training batch norm, the ReLU gradient from its output
 * (`RfmReluGrad`), the convolutions' GEMMs and patch matrices, and transposes run rfm.js' own WebAssembly modules
 * on the heap (`simd/`), with composite or JavaScript forms as fallbacks; `Slice`/`SplitV` copy
 * straight from the heap. `FlatAdamOptimizer`'s step runs as one pass of rfm.js' SIMD module over
 * moments kept on the heap (`kernels/flat-adam.ts`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BATCH_NORM_REBUILD_KERNEL,
  BATCH_NORM_TRAINING_GRAD_KERNEL,
  BATCH_NORM_TRAINING_KERNEL,
  CONV_BIAS_ACTIVATION_KERNEL,
  convBiasActivationViaFusedConv2D,
  registerBatchNormTrainingGradient,
  registerConvBiasActivationGradient,
  requireOption,
} from '@rfm/core';
import { BackendUnavailableError } from '../errors.js';
import { RELU_GRAD_KERNEL } from '../relu-grad.js';
import { batchNormRebuildConfig, batchNormTrainingConfig, batchNormTrainingGradConfig } from './kernels/wasm-batch-norm-training.js';
import { createAddConfig, createMultiplyConfig, createSubConfig } from './kernels/channel-broadcast.js';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './kernels/depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './kernels/depthwise-backprop-input.js';
import { createDepthwiseConv2dConfig } from './kernels/depthwise-conv.js';
import { createFusedBatchNormConfig } from './kernels/fused-batch-norm.js';
import { createGatherV2Config } from './kernels/gather.js';
import { createCastConfig, createIdentityConfig } from './kernels/identity.js';
import { createMaxPoolGradConfig } from './kernels/max-pool-grad.js';
import { createConv2DConfig, createConvBiasActivationConfig } from './kernels/gemm-conv.js';
import { reluGradConfig } from './kernels/relu-grad.js';
import { registerWasmFlatAdam, unregisterWasmFlatAdam } from './kernels/flat-adam.js';
import { createMeanConfig, createSumConfig } from './kernels/reduce.js';
import { createFillConfig, createTileConfig } from './kernels/repeat.js';
import { createSliceConfig, createSplitVConfig } from './kernels/slice.js';

/** Kernel names registered on `wasm` by {@link registerWasmTrainingKernels}, in registration order. */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.Conv2DBackpropInput,
  tf.Tile,
  tf.MaxPoolGrad,
  tf.Sum,
  tf.Mean,
  tf.FusedBatchNorm,
  tf.Multiply,
  tf.Add,
  tf.Sub,
  tf.Fill,
  tf.Identity,
  tf.Cast,
  tf.Slice,
  tf.SplitV,
  BATCH_NORM_TRAINING_KERNEL,
  BATCH_NORM_TRAINING_GRAD_KERNEL,
  BATCH_NORM_REBUILD_KERNEL,
  CONV_BIAS_ACTIVATION_KERNEL,
  RELU_GRAD_KERNEL,
  tf.Conv2D,
  tf.DepthwiseConv2dNative,
  tf.GatherV2,
];

/** The kernels that were registered before ours (undefined: there was none), to restore them. */
let originals: Map<string, tf.KernelConfig | undefined> | null = null;
/** Names registered by the call in effect. */
let registered: readonly string[] | null = null;

function buildConfigs(): tf.KernelConfig[] {
  const tile = tf.getKernel(tf.Tile, 'wasm');
  if (tile === undefined) {
    throw new BackendUnavailableError(
      'wasm',
      "its kernels are not registered yet; call initBackend('wasm') (or import '@tensorflow/tfjs-backend-wasm') before registerWasmTrainingKernels().",
    );
  }
  return [
    conv2dBackpropFilterConfig,
    depthwiseBackpropFilterConfig,
    depthwiseBackpropInputConfig,
    // Keep wasm's setup function: it must have run if the original kernel is ever restored.
    { ...conv2dBackpropInputConfig, setupFunc: tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.setupFunc },
    createTileConfig(tile),
    createMaxPoolGradConfig(tf.getKernel(tf.MaxPoolGrad, 'wasm')),
    createSumConfig(tf.getKernel(tf.Sum, 'wasm')!),
    createMeanConfig(tf.getKernel(tf.Mean, 'wasm')!),
    createFusedBatchNormConfig(tf.getKernel(tf.FusedBatchNorm, 'wasm')!),
    createMultiplyConfig(tf.getKernel(tf.Multiply, 'wasm')!),
    createAddConfig(tf.getKernel(tf.Add, 'wasm')!),
    createSubConfig(tf.getKernel(tf.Sub, 'wasm')!),
    createFillConfig(tf.getKernel(tf.Fill, 'wasm')!),
    createIdentityConfig(tf.getKernel(tf.Identity, 'wasm')!),
    createCastConfig(tf.getKernel(tf.Cast, 'wasm')!),
    createSliceConfig(tf.getKernel(tf.Slice, 'wasm')!),
    createSplitVConfig(tf.getKernel(tf.Slice, 'wasm')!),
    batchNormTrainingConfig,
    batchNormTrainingGradConfig,
    batchNormRebuildConfig,
    // The relaxed-SIMD GEMM adds the bias and clamps as it stores; where it cannot run, XNNPACK does, inside the convolution.
    createConvBiasActivationConfig(convBiasActivationViaFusedConv2D('wasm', tf.getKernel(tf.FusedConv2D, 'wasm')!)),
    reluGradConfig,
    createConv2DConfig(tf.getKernel(tf.Conv2D, 'wasm')!),
    createDepthwiseConv2dConfig(tf.getKernel(tf.DepthwiseConv2dNative, 'wasm')!),
    createGatherV2Config(tf.getKernel(tf.GatherV2, 'wasm')!),
  ];
}

/** Options of {@link registerWasmTrainingKernels}. */
export interface WasmTrainingKernelOptions {
  /**
   * Which kernels to register (names from {@link WASM_TRAINING_KERNELS}); for comparisons and for
   * switching one replacement off.
   * @default WASM_TRAINING_KERNELS
   */
  readonly kernels?: readonly string[];
}

/**
 * Registers the wasm training kernels (see {@link WASM_TRAINING_KERNELS}). Idempotent: a second call
 * keeps the first registration (call {@link unregisterWasmTrainingKernels} first to change the set).
 * Call it after the wasm backend package is loaded (`initBackend('wasm')` does both).
 *
 * @param options - subset of kernels
 * @returns the registered kernel names
 * @throws {@link BackendUnavailableError} when the wasm backend's own kernels are not registered yet
 * @throws InvalidOptionError for a kernel name that is not in {@link WASM_TRAINING_KERNELS}
 * @example
 * ```ts
 * await initBackend('wasm'); // registers them already
 * registerWasmTrainingKernels(); // no-op the second time
 * ```
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): readonly string[] {
  if (registered !== null) return registered;
  const wanted = options.kernels ?? WASM_TRAINING_KERNELS;
  for (const name of wanted) {
    requireOption(WASM_TRAINING_KERNELS.includes(name), 'kernels', name, `names from WASM_TRAINING_KERNELS (${WASM_TRAINING_KERNELS.join(', ')})`);
  }
  const configs = buildConfigs().filter((c) => wanted.includes(c.kernelName));
  const saved = new Map<string, tf.KernelConfig | undefined>();
  for (const config of configs) {
    const previous = tf.getKernel(config.kernelName, 'wasm');
    if (previous !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    saved.set(config.kernelName, previous);
    tf.registerKernel(config);
  }
  if (configs.some((c) => c.kernelName === BATCH_NORM_TRAINING_KERNEL)) registerBatchNormTrainingGradient();
  if (configs.some((c) => c.kernelName === CONV_BIAS_ACTIVATION_KERNEL)) registerConvBiasActivationGradient();
  registerWasmFlatAdam();
  originals = saved;
  registered = configs.map((c) => c.kernelName);
  return registered;
}

/**
 * Removes the kernels added by {@link registerWasmTrainingKernels} and restores wasm's own ones
 * (for comparisons and tests). Idempotent.
 */
export function unregisterWasmTrainingKernels(): void {
  if (originals === null) return;
  for (const [name, previous] of originals) {
    tf.unregisterKernel(name, 'wasm');
    if (previous !== undefined) tf.registerKernel(previous);
  }
  unregisterWasmFlatAdam();
  originals = null;
  registered = null;
}

/** The kernels registered by {@link registerWasmTrainingKernels} now in effect (empty if none). */
export function registeredWasmTrainingKernels(): readonly string[] {
  return registered ?? [];
}

export { useSimdKernels } from './simd/heap-module.js';
