/**
 * `MaxPoolGrad` for wasm. wasm's own kernel is a scalar loop and, in tfjs-backend-wasm 4.22.0,
 * drops the gradient of windows that overlap the bottom/right `same` padding (measured: a 4x4 input,
 * 3x3 window, stride 2 gives 3 of the 4 window gradients). This version matches the cpu backend,
 * ties included (the first maximum in row-major window order receives the gradient).
 *
 * No slices (wasm's `Slice` copies its whole input first) and no rank-6 transposes (a scalar loop):
 * - tap `(i, j)` of every window is read with a strided depthwise convolution whose filter is
 *   one-hot at `(i, j)` (the input is padded with the lowest float, which never wins);
 * - in window order, the tap takes the part of `dY` not yet taken by an earlier tap where it holds
 *   the maximum: `step(y - tap)` is 0 exactly there (wasm's `Equal` and `Sign` are ~10x slower);
 * - each tap's share is padded into its stride phase, and each phase is spread back onto the input
 *   grid with zero insertion (a rank-6 pad).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { dilateAndPad, padOrCrop } from './conv-geometry.js';
import { compositeKernel } from './kernel-helpers.js';

/** Padding value of the pooled input: the lowest finite float32 (0 · it stays finite, unlike -Infinity). */
const LOWEST = -3.4028234663852886e38;

/**
 * Input gradient of an NHWC 2-D max pool.
 *
 * @param dy - output gradient `[N, Ho, Wo, C]`
 * @param x - forward input `[N, H, W, C]`
 * @param y - forward output `[N, Ho, Wo, C]`
 * @param attrs - pooling attributes
 * @returns `[N, H, W, C]`; the caller owns it
 */
export function maxPoolGradOp(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, attrs: tf.MaxPoolGradAttrs): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const [n, h, w, c] = x.shape;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  // Phase grid: tap i of output row r sits at padded row r*sh + i = (r + floor(i/sh))*sh + i%sh.
  const hq = ho + Math.floor((fh - 1) / sh);
  const wq = wo + Math.floor((fw - 1) / sw);
  return tf.tidy(() => {
    const spanH = (ho - 1) * sh + fh;
    const spanW = (wo - 1) * sw + fw;
    const xp = padOrCrop(x, top, spanH - top - h, left, spanW - left - w, LOWEST);
    const phaseGrads = new Map<number, tf.Tensor4D>();
    let remaining: tf.Tensor4D = dy;
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const oneHot = tf.buffer([fh, fw, c, 1], 'float32');
        for (let k = 0; k < c; k++) oneHot.set(1, i, j, k, 0);
        const tap = tf.depthwiseConv2d(xp, oneHot.toTensor() as tf.Tensor4D, [sh, sw], 'valid');
        const rest = tf.mul(remaining, tf.step(tf.sub(y, tap))) as tf.Tensor4D;
        const taken = tf.sub(remaining, rest) as tf.Tensor4D;
        remaining = rest;
        const oi = Math.floor(i / sh);
        const oj = Math.floor(j / sw);
        const placed = tf.pad(taken, [
          [0, 0],
          [oi, hq - ho - oi],
          [oj, wq - wo - oj],
          [0, 0],
        ]);
        const p = (i % sh) * sw + (j % sw);
        const prev = phaseGrads.get(p);
        phaseGrads.set(p, prev === undefined ? placed : tf.add(prev, placed));
      }
    }
    // Spread each phase onto a grid of hq*sh + sh - 1 rows (so no phase needs cropping), add them up,
    // then cut the input's rows out of it.
    const gridH = hq * sh + sh - 1;
    const gridW = wq * sw + sw - 1;
    let grad: tf.Tensor4D | null = null;
    for (const [p, g] of phaseGrads) {
      const a = Math.floor(p / sw);
      const b = p % sw;
      const spread = dilateAndPad(g, sh, sw, a, gridH - a - (hq - 1) * sh - 1, b, gridW - b - (wq - 1) * sw - 1);
      grad = grad === null ? spread : (tf.add(grad, spread) as tf.Tensor4D);
    }
    return padOrCrop(grad!, -top, h + top - gridH, -left, w + left - gridW);
  });
}

/** Kernel config of {@link maxPoolGradOp} for the wasm backend (replaces wasm's own). */
export function createMaxPoolGradConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: 'wasm',
    setupFunc: original?.setupFunc,
    kernelFunc: compositeKernel<tf.MaxPoolGradAttrs>((inputs, attrs) =>
      maxPoolGradOp(inputs['dy'] as tf.Tensor4D, inputs['input'] as tf.Tensor4D, inputs['output'] as tf.Tensor4D, attrs),
    ),
  };
}
