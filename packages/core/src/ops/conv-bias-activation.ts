/**
 * A convolution, its per-channel bias and an optional ReLU as one kernel, on any backend that
 * registers it: what an inference pass runs once batch norms are folded into their convolutions
 * (`foldConvBatchNorm`). Composed of tfjs ops, that is three kernels, and the bias add and the
 * ReLU each read and write a full-size activation; the backends of `@rfm/backend` fuse them
 * (`tensorflow`: oneDNN's convolution with bias plus one ReLU kernel; `wasm`: XNNPACK's fused
 * convolution). {@link convBiasActivation} runs the kernel where the active backend has it and the
 * composite ops elsewhere (same values within float32 rounding).
 *
 * Unlike `tf.fused.conv2d`, whose `customGrad` computes the input, filter and bias gradients
 * together, the gradient registered here computes each one only when the tape asks for it: a FAM
 * pass differentiates with respect to the input alone.
 *
 * Kernel contract (NHWC, float32, dilation 1): inputs `x [N,H,W,Cin]`, `filter [kh,kw,Cin,Cout]`,
 * `bias [Cout]`; attrs `strides`, `pad` (`'same'` or `'valid'`), `activation` (`'linear'` or
 * `'relu'`) → `[N,H',W',Cout]`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of the fused convolution + bias + activation (registered per backend by `@rfm/backend`). */
export const CONV_BIAS_ACTIVATION_KERNEL = 'RfmConvBiasActivation';

/** Attributes of {@link CONV_BIAS_ACTIVATION_KERNEL}. */
export interface ConvBiasActivationAttrs {
  /** `[strideHeight, strideWidth]`. */
  readonly strides: [number, number];
  /** TensorFlow's padding modes. */
  readonly pad: 'same' | 'valid';
  /** Applied after the bias. */
  readonly activation: 'linear' | 'relu';
}

/** The ReLU's input gradient from its output, through whatever `Relu` gradient is registered (`y > 0` exactly where its input is). */
function reluGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const grad = tf.getGradient(tf.Relu)!.gradFunc(dy, [y], {}) as { x: () => tf.Tensor };
  return grad.x();
}

const gradientConfig: tf.GradConfig = {
  kernelName: CONV_BIAS_ACTIVATION_KERNEL,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, activation } = attrs as unknown as ConvBiasActivationAttrs;
    const d = (activation === 'relu' ? reluGradient(dy as tf.Tensor, y) : dy) as tf.Tensor4D;
    return {
      x: () => tf.conv2dTranspose(d, filter, x.shape, strides, pad),
      filter: () =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: d }, {
          strides,
          pad,
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      bias: () => tf.sum(d, [0, 1, 2]),
    };
  },
};

/**
 * Registers the gradient of {@link CONV_BIAS_ACTIVATION_KERNEL} (gradients are global in tfjs).
 * Idempotent; {@link convBiasActivation} calls it before running the kernel.
 */
export function registerConvBiasActivationGradient(): void {
  if (tf.getGradient(CONV_BIAS_ACTIVATION_KERNEL) !== gradientConfig) tf.registerGradient(gradientConfig);
}

/**
 * A {@link CONV_BIAS_ACTIVATION_KERNEL} config for `backendName` that runs that backend's own
 * `FusedConv2D` kernel (which must take a bias and a ReLU, as wasm's and cpu's do).
 *
 * @param backendName - the backend to register for
 * @param fused - that backend's `FusedConv2D` kernel config
 * @example
 * ```ts
 * tf.registerKernel(convBiasActivationViaFusedConv2D('wasm', tf.getKernel(tf.FusedConv2D, 'wasm')!));
 * ```
 */
export function convBiasActivationViaFusedConv2D(backendName: string, fused: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: CONV_BIAS_ACTIVATION_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const a = args.attrs as unknown as ConvBiasActivationAttrs;
      const attrs = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: a.activation };
      return fused.kernelFunc({ ...args, attrs: attrs as unknown as tf.NamedAttrMap });
    },
  };
}

/**
 * `activation(conv2d(x, filter) + bias)`, channels last, dilation 1: one kernel where the active
 * backend registers {@link CONV_BIAS_ACTIVATION_KERNEL}, tfjs ops elsewhere. Differentiable with
 * respect to all three inputs, each gradient computed only when asked for.
 *
 * @param x - `[N, H, W, Cin]`
 * @param filter - `[kh, kw, Cin, Cout]`
 * @param bias - `[Cout]`
 * @param attrs - strides, padding and activation
 * @returns `[N, H', W', Cout]`, owned by the caller
 * @example
 * ```ts
 * const y = convBiasActivation(x, w, b, { strides: [1, 1], pad: 'same', activation: 'relu' });
 * ```
 */
export function convBiasActivation(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, attrs: ConvBiasActivationAttrs): tf.Tensor4D {
  if (tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, tf.getBackend()) === undefined) {
    return tf.tidy(() => {
      const y = tf.add(tf.conv2d(x, filter, attrs.strides, attrs.pad), bias) as tf.Tensor4D;
      return attrs.activation === 'relu' ? tf.relu(y) : y;
    });
  }
  registerConvBiasActivationGradient();
  return tf.engine().runKernel(CONV_BIAS_ACTIVATION_KERNEL, { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
