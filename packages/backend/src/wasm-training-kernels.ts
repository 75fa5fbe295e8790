/**
 * Registers the kernels that make the wasm backend trainable: the three gradient kernels it lacks
 * and replacements for the slow ones it has. Built from wasm ops (XNNPACK convolutions and GEMMs,
 * pads, transposes, broadcasts), never from per-element JavaScript loops.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors.js';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './kernels/depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './kernels/depthwise-backprop-input.js';
import { createMaxPoolGradConfig } from './kernels/max-pool-grad.js';
import { createMeanConfig, createSumConfig } from './kernels/reduce.js';
import { createTileConfig } from './kernels/tile.js';

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
];

/** The kernels that were registered before ours (undefined: there was none), to restore them. */
let originals: Map<string, tf.KernelConfig | undefined> | null = null;

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
    { ...conv2dBackpropInputConfig, setupFunc: tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.setupFunc },
    createTileConfig(tile),
    createMaxPoolGradConfig(tf.getKernel(tf.MaxPoolGrad, 'wasm')),
    createSumConfig(tf.getKernel(tf.Sum, 'wasm')!),
    createMeanConfig(tf.getKernel(tf.Mean, 'wasm')!),
  ];
}

/**
 * Registers the wasm training kernels (see {@link WASM_TRAINING_KERNELS}). Idempotent. Call it after
 * the wasm backend package is loaded (`initBackend('wasm')` does both).
 *
 * @returns the registered kernel names
 * @throws {@link BackendUnavailableError} when the wasm backend's own kernels are not registered yet
 * @example
 * ```ts
 * await initBackend('wasm'); // registers them already
 * registerWasmTrainingKernels(); // no-op the second time
 * ```
 */
export function registerWasmTrainingKernels(): readonly string[] {
  if (originals !== null) return WASM_TRAINING_KERNELS;
  const configs = buildConfigs();
  const saved = new Map<string, tf.KernelConfig | undefined>();
  for (const config of configs) {
    const previous = tf.getKernel(config.kernelName, 'wasm');
    if (previous !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    saved.set(config.kernelName, previous);
    tf.registerKernel(config);
  }
  originals = saved;
  return WASM_TRAINING_KERNELS;
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
  originals = null;
}

/** Whether {@link registerWasmTrainingKernels} is in effect. */
export function wasmTrainingKernelsRegistered(): boolean {
  return originals !== null;
}
