/**
 * wasm's `DepthwiseConv2dNative` (channel multiplier 1, channels last, dilation 1) by rfm.js' own
 * WebAssembly SIMD module (simd/depthwise-conv.wat): per output pixel a table of its taps' input
 * pixels, then four channels at a time summed in a register over a packed copy of the filter.
 * XNNPACK took 1.3-2.0 ms for Xception's `[4, 14, 14, 728]` 3x3 depthwise convolution (full width,
 * 224 px, micro-batch of 4), this module 1.0-1.5 ms. The input gradient runs through this kernel
 * too: it is a stride-1 depthwise convolution with the filter rotated (depthwise-backprop-input.ts).
 *
 * Every other case (a multiplier above 1, dilation, another layout or dtype, the module out of
 * reach) goes to the kernel registered before (XNNPACK).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseConvWasm } from '../simd/depthwise-conv.generated.js';
import { heapModule, heapOffset, type WasmHeapBackend } from '../simd/heap-module.js';
import { convGeometry, depthwiseModuleGeometry, noDilation } from './conv-geometry.js';

/** Signature of the SIMD module's export (byte offsets, then the geometry). */
type SimdDepthwise = (x: number, w: number, y: number, scratch: number, ...geometry: number[]) => void;

/**
 * The depthwise convolution by the SIMD module, or null when it does not apply (a multiplier above
 * 1, dilation, another layout or dtype, the module out of reach).
 *
 * @param backend - the active wasm backend
 * @param x - `[N, H, W, C]` input
 * @param filter - `[fh, fw, C, 1]` filter
 * @param attrs - the convolution's attributes
 * @returns `[N, Ho, Wo, C]` on the heap, owned by the caller, or null
 */
export function heapDepthwiseConv(backend: WasmHeapBackend, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.DepthwiseConv2dNativeAttrs): tf.TensorInfo | null {
  const [fh, fw, c, m] = filter.shape as [number, number, number, number];
  const channelsLast = attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC';
  if (m !== 1 || x.shape.length !== 4 || !channelsLast || !noDilation(attrs.dilations) || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const exports = heapModule(depthwiseConvWasm, backend);
  if (exports === null) return null;
  const g = convGeometry(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const taps = fh * fw;
  // The packed filter (ceil(C / 4) blocks of taps x 4 floats), the tap table and a row of zeros.
  const y = backend.makeOutput([g.batch, g.outHeight, g.outWidth, c], 'float32');
  let scratch: tf.Tensor | undefined;
  try {
    scratch = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([Math.ceil(c / 4) * taps * 4 + taps + c], 'float32'));
    (exports['depthwiseConv'] as SimdDepthwise)(heapOffset(backend, x), heapOffset(backend, filter), heapOffset(backend, y), heapOffset(backend, scratch), ...depthwiseModuleGeometry(g, c));
    return y;
  } catch (error) {
    // Nothing half-computed stays on the heap.
    tf.engine().makeTensorFromTensorInfo(y).dispose();
    throw error;
  } finally {
    scratch?.dispose();
  }
}

/**
 * wasm's `DepthwiseConv2dNative` through rfm.js' SIMD module.
 *
 * @param original - wasm's own kernel (XNNPACK), for every other case
 */
export function createDepthwiseConv2dConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const out = heapDepthwiseConv(args.backend as unknown as WasmHeapBackend, x, filter, args.attrs as unknown as tf.DepthwiseConv2dNativeAttrs);
      return out ?? original.kernelFunc(args);
    },
  };
}
