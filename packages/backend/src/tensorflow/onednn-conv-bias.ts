/**
 * Core's fused convolution + bias + activation (`convBiasActivation`, what an inference pass runs
 * once batch norms are folded) on the `tensorflow` backend. tfjs-node's own `FusedConv2D` runs
 * `Conv2D`, then an `Add` and a `Relu` over the full-size output. TensorFlow's `_FusedConv2D`
 * cannot be reached through tfjs-node's binding (it needs a type-list attribute the binding does
 * not set), but the oneDNN build's `_MklNativeConv2DWithBias` can (by name, with the
 * `MklNameChangeOp` label): the bias lands in the convolution's output pass, which saves the add.
 * The ReLU stays one kernel. Pointwise convolutions run as one `_MklNativeFusedMatMul` with the bias
 * and the ReLU fused where that works (fused-pointwise.ts: two or more intra-op threads and an addon
 * compiled by `rfm backend build-native`); otherwise those of at least 128 input channels run as
 * `MatMul` + `BiasAdd` (`pointwiseConvWithBias`), which is faster there
 * (`POINTWISE_BIAS_MATMUL_MIN_CHANNELS`). Builds without oneDNN's op (probed once) use tfjs-node's
 * `FusedConv2D`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatTypeAttr, type NodeBackend } from './node-backend.js';
import { CONV_BIAS_ACTIVATION_KERNEL, convBiasActivationViaFusedConv2D, registerConvBiasActivationGradient, type ConvBiasActivationAttrs } from '@rfm/core';
import { nativeOpGives } from './native-op-probe.js';
import { isPointwiseConv, pointwiseConvWithBias, prefersPointwiseMatMulWithBias } from './pointwise-matmul.js';
import { fusedPointwiseConvBiasActivation, fusedPointwiseUsable } from './fused-pointwise.js';

const BACKEND = 'tensorflow';

function convWithBias(b: NodeBackend, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo, a: Pick<ConvBiasActivationAttrs, 'strides' | 'pad'>): tf.Tensor {
  const attrs = [
    floatTypeAttr(b),
    { name: 'strides', type: b.binding['TF_ATTR_INT'], value: [1, a.strides[0], a.strides[1], 1] },
    { name: 'padding', type: b.binding['TF_ATTR_STRING'], value: a.pad.toUpperCase() },
    { name: 'data_format', type: b.binding['TF_ATTR_STRING'], value: 'NHWC' },
    { name: 'dilations', type: b.binding['TF_ATTR_INT'], value: [1, 1, 1, 1] },
    { name: '_kernel', type: b.binding['TF_ATTR_STRING'], value: 'MklNameChangeOp' },
  ];
  return b.executeSingleOutput('_MklNativeConv2DWithBias', attrs, [x, filter, bias]);
}

/** Whether this TensorFlow build has oneDNN's convolution with bias (probed once per process). */
let available: boolean | undefined;

function probe(b: NodeBackend): boolean {
  // 1x3 input, 1x2 filter, valid: [1·1 + 2·10, 2·1 + 3·10] + 100.
  available ??= nativeOpGives(
    [tf.tensor4d([1, 2, 3], [1, 1, 3, 1]), tf.tensor4d([1, 10], [1, 2, 1, 1]), tf.tensor1d([100])],
    (x, filter, bias) => convWithBias(b, x!, filter!, bias!, { strides: [1, 1], pad: 'valid' }),
    '121,132',
  );
  return available;
}

/**
 * Whether the active `tensorflow` backend's build has oneDNN's convolution with bias, which the
 * registered `convBiasActivation` kernel then uses (probed once per process; false on other backends).
 */
export function oneDnnConvBiasAvailable(): boolean {
  return tf.getBackend() === BACKEND && probe(tf.backend() as unknown as NodeBackend);
}

/** Registers core's `convBiasActivation` kernel for `tensorflow` (idempotent). */
export function registerConvBiasActivationKernel(): void {
  if (tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, BACKEND)) return;
  tf.registerKernel({
    kernelName: CONV_BIAS_ACTIVATION_KERNEL,
    backendName: BACKEND,
    kernelFunc: (args) => {
      const { x, filter, bias } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo };
      const a = args.attrs as unknown as ConvBiasActivationAttrs;
      const b = args.backend as unknown as NodeBackend;
      if (x.dtype !== 'float32' || !probe(b)) return convBiasActivationViaFusedConv2D(BACKEND, tf.getKernel(tf.FusedConv2D, BACKEND)!).kernelFunc(args);
      if (isPointwiseConv(a, filter.shape) && fusedPointwiseUsable(b)) return fusedPointwiseConvBiasActivation(b, x, filter, bias, a.activation);
      const y = prefersPointwiseMatMulWithBias(a, x, filter) ? pointwiseConvWithBias(b, x, filter, bias) : convWithBias(b, x, filter, bias, a);
      if (a.activation === 'linear') return y;
      try {
        return b.executeSingleOutput('Relu', [floatTypeAttr(b)], [y]);
      } finally {
        y.dispose();
      }
    },
  });
  registerConvBiasActivationGradient();
}

/** Removes the kernel (for tests). */
export function unregisterConvBiasActivationKernel(): void {
  if (tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, BACKEND)) tf.unregisterKernel(CONV_BIAS_ACTIVATION_KERNEL, BACKEND);
}
