/**
 * Core's fused convolution + bias + activation (`convBiasActivation`, what an inference pass runs
 * once batch norms are folded) on wasm: XNNPACK's convolution takes the bias and a ReLU clamp in
 * the same operator (wasm's `FusedConv2D` kernel), where the composite ops write and read the
 * full-size output twice more.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_BIAS_ACTIVATION_KERNEL, type ConvBiasActivationAttrs } from '@rfm/core';

/**
 * The kernel config for wasm.
 *
 * @param fused - wasm's own `FusedConv2D` kernel
 */
export function createConvBiasActivationConfig(fused: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: CONV_BIAS_ACTIVATION_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const a = args.attrs as unknown as ConvBiasActivationAttrs;
      const attrs = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: a.activation };
      return fused.kernelFunc({ ...args, attrs: attrs as unknown as tf.NamedAttrMap });
    },
  };
}
