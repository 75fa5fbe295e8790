/**
 * `Conv2DBackpropInput` for wasm, replacing wasm's own kernel (a naive C++ loop, 5-10x slower).
 *
 * - 1x1: `dX = dY · Wᵀ` as a GEMM (a 1x1 convolution: {@link convolutionMatMul}; `Wᵀ` by
 *   {@link transposeMatrix}), then zero insertion for strides > 1.
 * - larger filters: one GEMM and a scatter-add on the heap ({@link columnScatterInputGradient}), also at
 *   stride 1 (Xception's second 3x3 convolution: w0.25 35 → 15 ms, full width at 224 px 149 → 101 ms
 *   per micro-batch of 4, against the zero-insertion form below).
 * - otherwise (and where the heap is not reachable): the transposed convolution: `dY` with
 *   `stride - 1` zeros inserted and padded by `f - 1 - pad`, convolved (stride 1) with the filter
 *   rotated by 180° and with in/out swapped ({@link zeroInsertionInputGradient}).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, convolutionMatMul, dilateAndPad, transposeMatrix, transposedConvPadding } from './conv-geometry.js';
import { compositeKernel, requireNhwcNoDilation } from './kernel-helpers.js';
import { columnScatterInputGradient } from './column-scatter.js';

/**
 * Input gradient of an NHWC conv2d.
 *
 * @param dy - output gradient `[N, Ho, Wo, Cout]`
 * @param filter - forward filter `[fh, fw, Cin, Cout]`
 * @param attrs - the forward convolution's attributes and the input shape
 * @returns `[N, H, W, Cin]`; the caller owns it
 */
export function conv2dBackpropInputOp(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: tf.Conv2DBackpropInputAttrs): tf.Tensor4D {
  const [fh, fw, cin, cout] = filter.shape;
  const g = convGeometry(attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  const { top, bottom, left, right } = transposedConvPadding(g);
  return tf.tidy(() => {
    if (fh === 1 && fw === 1) {
      const m = g.batch * g.outHeight * g.outWidth;
      const wt = transposeMatrix(tf.reshape(filter, [cin, cout]) as tf.Tensor2D);
      const cols = tf.reshape(convolutionMatMul(tf.reshape(dy, [m, cout]) as tf.Tensor2D, wt), [g.batch, g.outHeight, g.outWidth, cin]) as tf.Tensor4D;
      return dilateAndPad(cols, g.strideHeight, g.strideWidth, top, bottom, left, right);
    }
    return columnScatterInputGradient(dy, filter, g) ?? zeroInsertionInputGradient(dy, filter, g);
  });
}

/**
 * Input gradient of an NHWC convolution (dilation 1) as the transposed convolution: `dY` with
 * `stride - 1` zeros inserted and padded by `f - 1 - pad`, convolved (stride 1) with the filter
 * rotated by 180° and with in/out swapped.
 *
 * @param dy - output gradient `[N, Ho, Wo, Cout]`
 * @param filter - forward filter `[fh, fw, Cin, Cout]`
 * @param g - the forward convolution's geometry
 * @returns `[N, H, W, Cin]`
 */
export function zeroInsertionInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const { top, bottom, left, right } = transposedConvPadding(g);
  return tf.tidy(() => {
    const spread = dilateAndPad(dy, g.strideHeight, g.strideWidth, top, bottom, left, right);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [fh, fw, Cout, Cin]
    return tf.conv2d(spread, rotated, 1, 'valid');
  });
}

/** Kernel config of {@link conv2dBackpropInputOp} for the wasm backend. */
export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: compositeKernel<tf.Conv2DBackpropInputAttrs>((inputs, attrs) => {
    requireNhwcNoDilation(tf.Conv2DBackpropInput, attrs.dataFormat, undefined);
    return conv2dBackpropInputOp(inputs['dy'] as tf.Tensor4D, inputs['filter'] as tf.Tensor4D, attrs);
  }),
};
