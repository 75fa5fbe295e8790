/**
 * Inference-mode batch norm folded into the convolution before it. With the moving statistics,
 * `BN(conv(x, W))` is `conv(x, W · scale) + shift` per output channel, so a FAM pass (an
 * inference-mode forward pass and its input gradient) can skip the batch norm's full-size multiply
 * forward and its full-size multiply backward: 80 kernels over activations per Xception pass.
 * Values equal the unfolded layers up to float32 rounding (the scale is applied to the weights
 * instead of the output). Applies to channels-last `Conv2D` and `SeparableConv2D` layers with a
 * linear activation, followed by core's `RfmBatchNormalization` or tfjs-layers'
 * `BatchNormalization` on the channel axis.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormScaleShift } from '../ops/batch-norm-inference.js';
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
 * The folded inference-mode computation of `conv` followed by `batchNorm`, or null when the pair
 * cannot be folded. The function reads the layers' current weights each time it runs.
 *
 * @param conv - a tfjs-layers layer
 * @param batchNorm - the layer that alone reads `conv`'s output
 * @returns `x ↦ batchNorm(conv(x))` in inference mode, with one full-size kernel less each way
 */
export function foldConvBatchNorm(conv: unknown, batchNorm: unknown): ((x: tf.Tensor4D) => tf.Tensor4D) | null {
  const c = foldableConv(conv);
  const bn = foldableBatchNorm(batchNorm);
  if (c === null || bn === null) return null;
  return (x) =>
    tf.tidy(() => {
      const read = (w: LayerWeight | null | undefined): tf.Tensor1D | null => (w ? (w.read() as tf.Tensor1D) : null);
      const { scale, shift } = batchNormScaleShift(read(bn.movingMean)!, read(bn.movingVariance)!, read(bn.beta), read(bn.gamma), bn.epsilon);
      const strides = c.strides as [number, number];
      const dilation = c.dilationRate as [number, number];
      const padding = c.padding as 'same' | 'valid';
      const y =
        c.getClassName() === 'Conv2D'
          ? tf.conv2d(x, tf.mul(c.kernel!.read(), scale) as tf.Tensor4D, strides, padding, 'NHWC', dilation)
          : tf.separableConv2d(x, c.depthwiseKernel!.read() as tf.Tensor4D, tf.mul(c.pointwiseKernel!.read(), scale) as tf.Tensor4D, strides, padding, dilation, 'NHWC');
      const offset = c.useBias && c.bias ? tf.add(shift, tf.mul(c.bias.read(), scale)) : shift;
      return tf.add(y, offset) as tf.Tensor4D;
    });
}
