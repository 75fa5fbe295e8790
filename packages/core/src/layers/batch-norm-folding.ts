/**
 * Inference-mode batch norm folded into the convolution before it. With the moving statistics,
 * `BN(conv(x, W))` is `conv(x, W · scale) + shift` per output channel, so a FAM pass (an
 * inference-mode forward pass and its input gradient) can skip the batch norm's full-size multiply
 * forward and its full-size multiply backward: 80 kernels over activations per Xception pass.
 * Values equal the unfolded layers up to float32 rounding (the scale is applied to the weights
 * instead of the output). Applies to channels-last `Conv2D` and `SeparableConv2D` layers with a
 * linear activation, followed by core's `RfmBatchNormalization` or tfjs-layers'
 * `BatchNormalization` on the channel axis. A ReLU that alone reads the batch norm's output can be
 * folded in too: the convolution, its new bias and the ReLU then run as one kernel on backends that
 * fuse them (`convBiasActivation`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormScaleShift } from '../ops/batch-norm-inference.js';
import { convBiasActivation } from '../ops/conv-bias-activation.js';
import type { ConvLayerFields, LayerWeight } from './conv-layer-fields.js';

/** What folding reads of a batch-norm layer. */
interface BatchNormFields {
  getClassName(): string;
  readonly axis?: number;
  readonly gamma?: LayerWeight | null;
  readonly beta?: LayerWeight | null;
  readonly movingMean: LayerWeight;
  readonly movingVariance: LayerWeight;
  readonly epsilon: number;
}

function foldableConv(layer: unknown): ConvLayerFields | null {
  const l = layer as ConvLayerFields;
  const kind = l.getClassName();
  if (kind !== 'Conv2D' && kind !== 'SeparableConv2D') return null;
  const linear = l.activation === null || l.activation.getClassName() === 'linear';
  return linear && l.dataFormat === 'channelsLast' && (l.padding === 'same' || l.padding === 'valid') ? l : null;
}

function foldableBatchNorm(layer: unknown): BatchNormFields | null {
  const l = layer as BatchNormFields;
  const kind = l.getClassName();
  if (kind === 'RfmBatchNormalization') return l;
  return kind === 'BatchNormalization' && (l.axis === -1 || l.axis === 3) ? l : null;
}

/**
 * Whether `layer` is a plain ReLU: an `Activation` layer with `'relu'`, or a `ReLU` layer without a
 * cap or threshold.
 *
 * @param layer - any tfjs-layers layer
 */
export function isReluLayer(layer: unknown): boolean {
  const l = layer as { getClassName(): string; activation?: { getClassName(): string }; maxValue?: number | null; threshold?: number };
  if (l.getClassName() === 'Activation') return l.activation?.getClassName() === 'relu';
  return l.getClassName() === 'ReLU' && (l.maxValue ?? null) === null && (l.threshold ?? 0) === 0;
}

/**
 * The folded inference-mode computation of `conv` followed by `batchNorm` (and a ReLU when
 * `relu` is true), or null when the pair cannot be folded. The function reads the layers' current
 * weights each time it runs.
 *
 * @param conv - a tfjs-layers layer
 * @param batchNorm - the layer that alone reads `conv`'s output
 * @param relu - also apply the ReLU that alone reads `batchNorm`'s output (see {@link isReluLayer})
 * @returns `x ↦ batchNorm(conv(x))` (or its ReLU) in inference mode, with one full-size kernel less
 *   each way, two with the ReLU on backends that fuse it
 */
export function foldConvBatchNorm(conv: unknown, batchNorm: unknown, relu = false): ((x: tf.Tensor4D) => tf.Tensor4D) | null {
  const c = foldableConv(conv);
  const bn = foldableBatchNorm(batchNorm);
  if (c === null || bn === null) return null;
  const activation = relu ? 'relu' : 'linear';
  return (x) =>
    tf.tidy(() => {
      const read = (w: LayerWeight | null | undefined): tf.Tensor1D | null => (w ? (w.read() as tf.Tensor1D) : null);
      const { scale, shift } = batchNormScaleShift(read(bn.movingMean)!, read(bn.movingVariance)!, read(bn.beta), read(bn.gamma), bn.epsilon);
      const strides = c.strides as [number, number];
      const dilation = c.dilationRate as [number, number];
      const padding = c.padding as 'same' | 'valid';
      const offset = (c.useBias && c.bias ? tf.add(shift, tf.mul(c.bias.read(), scale)) : shift) as tf.Tensor1D;
      const separable = c.getClassName() === 'SeparableConv2D';
      const kernel = tf.mul((separable ? c.pointwiseKernel : c.kernel)!.read(), scale) as tf.Tensor4D;
      if (dilation[0] !== 1 || dilation[1] !== 1) {
        const y = separable
          ? tf.separableConv2d(x, c.depthwiseKernel!.read() as tf.Tensor4D, kernel, strides, padding, dilation, 'NHWC')
          : tf.conv2d(x, kernel, strides, padding, 'NHWC', dilation);
        const biased = tf.add(y, offset) as tf.Tensor4D;
        return relu ? tf.relu(biased) : biased;
      }
      // A separable convolution is a depthwise one, then a pointwise one at stride 1 (as tf.separableConv2d).
      return separable
        ? convBiasActivation(tf.depthwiseConv2d(x, c.depthwiseKernel!.read() as tf.Tensor4D, strides, padding), kernel, offset, { strides: [1, 1], pad: 'valid', activation })
        : convBiasActivation(x, kernel, offset, { strides, pad: padding, activation });
    });
}
