/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (missing upstream). For every filter tap `(i, j)`,
 * `dY` is placed on the padded input grid at that tap's offset (a pad, plus zero insertion for
 * strides > 1), multiplied by the padded input, and summed over images and positions with one
 * average pooling ({@link sumToChannels}). Pads and poolings are streaming wasm kernels; slices,
 * wasm's leading-axis `Sum` and XNNPACK depthwise convolutions with large kernels are slow (the
 * batch-folding formulation, one depthwise conv with a `[Ho, Wo]` kernel, took 8.8 ms for an 8x8
 * map with 182 channels and 42 ms for a 61x61 one, against ~3 ms and ~15 ms this way).
 * A channel multiplier `m` repeats every input channel `m` times first (a broadcast multiply).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, dilateAndPad, padOrCrop } from './conv-geometry.js';
import { compositeKernel, requireNhwcNoDilation } from './kernel-helpers.js';
import { sumToChannels } from './reduce.js';

/**
 * Filter gradient of an NHWC depthwise conv2d.
 *
 * @param x - forward input `[N, H, W, C]`
 * @param dy - output gradient `[N, Ho, Wo, C*m]`
 * @param attrs - the forward convolution's attributes and the filter shape `[fh, fw, C, m]`
 * @returns `[fh, fw, C, m]`; the caller owns it
 */
export function depthwiseBackpropFilterOp(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs,
): tf.Tensor4D {
  const [fh, fw, c, m] = attrs.filterShape;
  const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  return tf.tidy(() => {
    const n = g.batch;
    const spanH = (g.outHeight - 1) * g.strideHeight + 1;
    const spanW = (g.outWidth - 1) * g.strideWidth + 1;
    // Pad only (wasm slices are slow): input rows past the last window meet zeros of dY.
    const height = Math.max(spanH + fh - 1, g.top + g.inHeight);
    const width = Math.max(spanW + fw - 1, g.left + g.inWidth);
    let xp = padOrCrop(x, g.top, height - g.top - g.inHeight, g.left, width - g.left - g.inWidth);
    if (m > 1) xp = tf.reshape(tf.mul(tf.reshape(xp, [n, height, width, c, 1]), tf.ones([m])), [n, height, width, c * m]);
    const taps: tf.Tensor1D[] = [];
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const placed = dilateAndPad(dy, g.strideHeight, g.strideWidth, i, height - spanH - i, j, width - spanW - j);
        taps.push(sumToChannels(tf.mul(xp, placed)));
      }
    }
    return tf.reshape(tf.stack(taps), [fh, fw, c, m]) as tf.Tensor4D;
  });
}

/** Kernel config of {@link depthwiseBackpropFilterOp} for the wasm backend. */
export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: compositeKernel<tf.DepthwiseConv2dNativeBackpropFilterAttrs>((inputs, attrs) => {
    requireNhwcNoDilation(tf.DepthwiseConv2dNativeBackpropFilter, undefined, attrs.dilations);
    return depthwiseBackpropFilterOp(inputs['x'] as tf.Tensor4D, inputs['dy'] as tf.Tensor4D, attrs);
  }),
};
