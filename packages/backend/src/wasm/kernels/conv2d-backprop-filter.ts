/**
 * `Conv2DBackpropFilter` for wasm (missing upstream, tensorflow/tfjs#8474).
 *
 * - where rfm.js' relaxed-SIMD GEMM runs ({@link heapMatMul}): `dW = Pᵀ · dY` with `P` the patch
 *   matrix of the forward convolution ({@link patchMatrix}; the input itself for 1x1 at stride 1),
 *   read transposed in place; summed over chunks of images where `P` would pass the patch limit
 *   ({@link imagesPerPatchGemm}). The conv trick below ran Xception's 3x3 entry convolution at
 *   1.3 GFLOP/s on XNNPACK (full width, 224 px).
 * - otherwise, 1x1, stride 1, no padding: one plain GEMM, `dWᵀ = dYᵀ · X` or `dW = Xᵀ · dY`, whichever keeps
 *   the operand with fewer channels as the right-hand matrix (XNNPACK packs that one; measured
 *   1.1-2.2x faster than the other order). The left operand is transposed explicitly: wasm's
 *   `matMul` with transpose flags falls back to a scalar loop.
 * - otherwise ("conv trick"): the filter gradient is a convolution of the padded input, seen as a
 *   batch of `Cin` images with `N` channels, with `dY` seen as a `[Ho, Wo, N, Cout]` filter, stride 1
 *   and dilation = the forward stride. The result `[Cin, fh, fw, Cout]` is transposed to the filter
 *   layout. The input is only ever padded (wasm slices are slow); surplus rows and columns of the
 *   small result are sliced off instead.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, convolutionMatMul, transposeMatrix } from './conv-geometry.js';
import { imagesPerPatchGemm, overImageChunks, patchMatrix } from './gemm-conv.js';
import { heapGemmAvailable, heapMatMul } from './heap-gemm.js';
import type { WasmHeapBackend } from '../simd/heap-module.js';
import { compositeKernel, requireNhwcNoDilation } from './kernel-helpers.js';

/**
 * Filter gradient of an NHWC conv2d.
 *
 * @param x - forward input `[N, H, W, Cin]`
 * @param dy - output gradient `[N, Ho, Wo, Cout]`
 * @param attrs - the forward convolution's attributes and the filter shape
 * @returns `[fh, fw, Cin, Cout]`; the caller owns it
 */
export function conv2dBackpropFilterOp(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: tf.Conv2DBackpropFilterAttrs): tf.Tensor4D {
  const [fh, fw, cin, cout] = attrs.filterShape;
  const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  return tf.tidy(() => {
    const m = g.batch * g.outHeight * g.outWidth;
    const taps = fh * fw * cin;
    const chunk = imagesPerPatchGemm(x.shape, g);
    if (chunk > 0 && tf.getBackend() === 'wasm' && heapGemmAvailable(tf.backend() as unknown as WasmHeapBackend)) {
      // One GEMM per chunk of images where the patch matrix would pass the limit, summed.
      const parts = overImageChunks([x, dy], chunk, ([xs, dys]) => {
        const rows = dys!.shape[0] * g.outHeight * g.outWidth;
        const patches = patchMatrix(xs!, { ...g, batch: xs!.shape[0] });
        if (patches === null) return null;
        const a = tf.reshape(patches, [rows, taps]) as tf.Tensor2D;
        const b = tf.reshape(dys!, [rows, cout]) as tf.Tensor2D;
        try {
          return heapMatMul(a, b, true);
        } finally {
          // Freed chunk by chunk (the reshapes share the data): one patch matrix lives at a time.
          tf.dispose([a, b]);
          if (patches !== xs) patches.dispose();
        }
      });
      if (parts !== null) return tf.reshape(parts.length === 1 ? parts[0]! : tf.addN(parts), [fh, fw, cin, cout]) as tf.Tensor4D;
    }
    const neededH = (g.outHeight - 1) * g.strideHeight + fh;
    const neededW = (g.outWidth - 1) * g.strideWidth + fw;
    const oneByOne = fh === 1 && fw === 1 && g.strideHeight === 1 && g.strideWidth === 1;
    if (oneByOne && g.top === 0 && g.left === 0 && g.inHeight === g.outHeight && g.inWidth === g.outWidth) {
      const x2 = tf.reshape(x, [m, cin]) as tf.Tensor2D;
      const dy2 = tf.reshape(dy, [m, cout]) as tf.Tensor2D;
      if (cin <= cout) return tf.reshape(tf.transpose(convolutionMatMul(transposeMatrix(dy2), x2)), [1, 1, cin, cout]) as tf.Tensor4D;
      return tf.reshape(convolutionMatMul(transposeMatrix(x2), dy2), [1, 1, cin, cout]) as tf.Tensor4D;
    }
    // Pad only: keep input rows past the last window and slice the (small) result instead.
    const height = Math.max(neededH, g.top + g.inHeight);
    const width = Math.max(neededW, g.left + g.inWidth);
    const xp = tf.pad(x, [
      [0, 0],
      [g.top, height - g.top - g.inHeight],
      [g.left, width - g.left - g.inWidth],
      [0, 0],
    ]);
    const images = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, height, width, N]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Cout]
    let out = tf.conv2d(images, filter, 1, 'valid', 'NHWC', [g.strideHeight, g.strideWidth]); // [Cin, >=fh, >=fw, Cout]
    if (out.shape[1] !== fh || out.shape[2] !== fw) out = tf.slice(out, [0, 0, 0, 0], [cin, fh, fw, cout]);
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Kernel config of {@link conv2dBackpropFilterOp} for the wasm backend. */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: compositeKernel<tf.Conv2DBackpropFilterAttrs>((inputs, attrs) => {
    requireNhwcNoDilation(tf.Conv2DBackpropFilter, attrs.dataFormat, undefined);
    return conv2dBackpropFilterOp(inputs['x'] as tf.Tensor4D, inputs['dy'] as tf.Tensor4D, attrs);
  }),
};
