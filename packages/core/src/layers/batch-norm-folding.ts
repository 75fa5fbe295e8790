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
 * Whether {@link foldConvBatchNorm} can fold `conv` followed by `batchNorm`.
 *
 * @param conv - a tfjs-layers layer
 * @param batchNorm - the layer that alone reads `conv`'s output
 */
export function canFoldConvBatchNorm(conv: unknown, batchNorm: unknown): boolean {
  return foldableConv(conv) !== null && foldableBatchNorm(batchNorm) !== null;
}

/** A batch norm's inference-mode map `y = x · scale + shift`, per channel. */
export interface ScaleShift {
  /** `γ / √(moving variance + ε)`. */
  readonly scale: tf.Tensor1D;
  /** `β − moving mean · scale`. */
  readonly shift: tf.Tensor1D;
}

const read = (w: LayerWeight | null | undefined): tf.Tensor1D | null => (w ? (w.read() as tf.Tensor1D) : null);

/**
 * The inference-mode scales and shifts of several batch-norm layers (those
 * {@link canFoldConvBatchNorm} accepts), computed together: their vectors are concatenated, so the
 * arithmetic is five kernels for all layers instead of five per layer (a FAM pass of Xception
 * folds 40). Each element goes through the same operations as in {@link batchNormScaleShift}: on
 * cpu and wasm the values are the same bit for bit (a layer without β gets `0 − mean · scale` for
 * `−(mean · scale)`: equal up to the sign of a zero); TensorFlow's vectorised kernels may round an
 * element differently once it sits elsewhere in a longer vector (a FAM pass moved by about 6e-7,
 * relative). The caller owns the returned tensors.
 *
 * @param batchNorms - batch-norm layers
 */
export function batchNormScaleShifts(batchNorms: readonly unknown[]): ScaleShift[] {
  const layers = batchNorms.map((b) => foldableBatchNorm(b)!);
  if (layers.length <= 1) {
    return layers.map((bn) => batchNormScaleShift(read(bn.movingMean)!, read(bn.movingVariance)!, read(bn.beta), read(bn.gamma), bn.epsilon));
  }
  return tf.tidy(() => {
    const means = layers.map((bn) => read(bn.movingMean)!);
    const sizes = means.map((m) => m.size);
    const epsilon = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    layers.forEach((bn, i) => {
      epsilon.fill(bn.epsilon, at, at + sizes[i]!);
      at += sizes[i]!;
    });
    const inv = tf.rsqrt(tf.add(tf.concat(layers.map((bn) => read(bn.movingVariance)!)), tf.tensor1d(epsilon)));
    const gammas = layers.map((bn, i) => read(bn.gamma) ?? tf.ones([sizes[i]!]));
    const scale = tf.mul(inv, tf.concat(gammas));
    const betas = layers.map((bn, i) => read(bn.beta) ?? tf.zeros([sizes[i]!]));
    const shift = tf.sub(tf.concat(betas), tf.mul(tf.concat(means), scale));
    const scales = tf.split(scale, sizes) as tf.Tensor1D[];
    const shifts = tf.split(shift, sizes) as tf.Tensor1D[];
    return scales.map((s, i) => ({ scale: s, shift: shifts[i]! }));
  });
}

/**
 * The folded inference-mode computation of `conv` followed by `batchNorm` (and a ReLU when
 * `relu` is true), or null when the pair cannot be folded. The function reads the layers' current
 * weights each time it runs, unless it is given the batch norm's scale and shift.
 *
 * @param conv - a tfjs-layers layer
 * @param batchNorm - the layer that alone reads `conv`'s output
 * @param relu - also apply the ReLU that alone reads `batchNorm`'s output (see {@link isReluLayer})
 * @param scaleShift - the batch norm's scale and shift, computed beforehand (see
 *   {@link batchNormScaleShifts}; not disposed); by default computed at each call
 * @returns `x ↦ batchNorm(conv(x))` (or its ReLU) in inference mode, with one full-size kernel less
 *   each way, two with the ReLU on backends that fuse it
 */
export function foldConvBatchNorm(conv: unknown, batchNorm: unknown, relu = false, scaleShift?: ScaleShift): ((x: tf.Tensor4D) => tf.Tensor4D) | null {
  const c = foldableConv(conv);
  const bn = foldableBatchNorm(batchNorm);
  if (c === null || bn === null) return null;
  const activation = relu ? 'relu' : 'linear';
  return (x) =>
    tf.tidy(() => {
      const { scale, shift } = scaleShift ?? batchNormScaleShift(read(bn.movingMean)!, read(bn.movingVariance)!, read(bn.beta), read(bn.gamma), bn.epsilon);
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
