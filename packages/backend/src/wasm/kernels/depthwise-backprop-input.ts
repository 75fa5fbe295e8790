/**
 * `DepthwiseConv2dNativeBackpropInput` for wasm (missing upstream): `dY` with `stride - 1` zeros
 * inserted and padded by `f - 1 - pad`, depthwise-convolved (stride 1) with the filter rotated by
 * 180° (at stride 1 the convolution pads by itself, so no padded copy is made). A channel
 * multiplier `m` convolves all `C*m` channels, then sums each group of `m`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, dilateAndPad, transposedConvPadding } from './conv-geometry.js';
import { compositeKernel, requireNhwcNoDilation } from './kernel-helpers.js';

/**
 * Input gradient of an NHWC depthwise conv2d.
 *
 * @param dy - output gradient `[N, Ho, Wo, C*m]`
 * @param filter - forward filter `[fh, fw, C, m]`
 * @param attrs - the forward convolution's attributes and the input shape
 * @returns `[N, H, W, C]`; the caller owns it
 */
export function depthwiseBackpropInputOp(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: tf.DepthwiseConv2dNativeBackpropInputAttrs,
): tf.Tensor4D {
  const [fh, fw, c, m] = filter.shape;
  const g = convGeometry(attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const { top, bottom, left, right } = transposedConvPadding(g);
  return tf.tidy(() => {
    const rotated = tf.reshape(tf.reverse(filter, [0, 1]), [fh, fw, c * m, 1]) as tf.Tensor4D;
    // At stride 1 the padding goes to the convolution (XNNPACK pads on the fly), not into a copy of dY.
    const inPlace = g.strideHeight === 1 && g.strideWidth === 1 && Math.min(top, bottom, left, right) >= 0;
    const explicit: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
    const out = inPlace
      ? tf.depthwiseConv2d(dy, rotated, 1, explicit)
      : tf.depthwiseConv2d(dilateAndPad(dy, g.strideHeight, g.strideWidth, top, bottom, left, right), rotated, 1, 'valid');
    if (m === 1) return out;
    return tf.sum(tf.reshape(out, [g.batch, g.inHeight, g.inWidth, c, m]), 4) as tf.Tensor4D;
  });
}

/** Kernel config of {@link depthwiseBackpropInputOp} for the wasm backend. */
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: compositeKernel<tf.DepthwiseConv2dNativeBackpropInputAttrs>((inputs, attrs) => {
    requireNhwcNoDilation(tf.DepthwiseConv2dNativeBackpropInput, undefined, attrs.dilations);
    return depthwiseBackpropInputOp(inputs['dy'] as tf.Tensor4D, inputs['filter'] as tf.Tensor4D, attrs);
  }),
};
