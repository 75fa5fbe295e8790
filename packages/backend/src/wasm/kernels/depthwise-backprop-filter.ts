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
 * With multiplier 1 (every built-in backbone), the kernel instead runs one
 * pass of rfm.js' own WebAssembly SIMD code over the heap (simd/depthwise-filter-grad.wat): each
 * output position adds `x · dY` of its taps into the `[fh, fw, C]` result, four channels at a time.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, depthwiseModuleGeometry, dilateAndPad, padOrCrop } from './conv-geometry.js';
import { compositeKernel, requireNhwcNoDilation } from './kernel-helpers.js';
import { depthwiseFilterGradWasm } from '../simd/depthwise-filter-grad.generated.js';
import { heapModule, heapOffset, type WasmHeapBackend } from '../simd/heap-module.js';
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

/** Signature of the SIMD module's export. */
type SimdFilterGrad = (x: number, dy: number, out: number, ...geometry: number[]) => void;

/**
 * The filter gradient by the SIMD module, or null when it does not apply (multiplier > 1, not
 * float32, SIMD kernels switched off or the heap out of reach).
 */
function simdFilterGrad(backend: WasmHeapBackend, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs): tf.TensorInfo | null {
  const [fh, fw, c, m] = attrs.filterShape;
  if (m !== 1 || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const exports = heapModule(depthwiseFilterGradWasm, backend);
  if (exports === null) return null;
  const g = convGeometry(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const out = backend.makeOutput([fh, fw, c, m], 'float32');
  (exports['depthwiseFilterGrad'] as SimdFilterGrad)(heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), ...depthwiseModuleGeometry(g, c));
  return out;
}

const composite = compositeKernel<tf.DepthwiseConv2dNativeBackpropFilterAttrs>((inputs, attrs) =>
  depthwiseBackpropFilterOp(inputs['x'] as tf.Tensor4D, inputs['dy'] as tf.Tensor4D, attrs),
);

/** Kernel config of the depthwise filter gradient for the wasm backend (SIMD pass, else {@link depthwiseBackpropFilterOp}). */
export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    requireNhwcNoDilation(tf.DepthwiseConv2dNativeBackpropFilter, undefined, attrs.dilations);
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    return simdFilterGrad(args.backend as unknown as WasmHeapBackend, x, dy, attrs) ?? composite(args);
  },
};
