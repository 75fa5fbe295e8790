/**
 * `MaxPoolGrad` for wasm. wasm's own kernel is a scalar loop and, in tfjs-backend-wasm 4.22.0,
 * drops the gradient of windows that overlap the bottom/right `same` padding (measured: a 4x4 input,
 * 3x3 window, stride 2 gives 3 of the 4 window gradients). This version matches the cpu backend
 * bit for bit, ties included: in every window the first maximum in row-major order (padding never
 * counts) receives the window's gradient, and a position's gradient is summed in output order.
 *
 * It is one pass over the windows, reading and writing the wasm heap directly: each window is
 * visited once, its arg-max found and its `dy` added there. Earlier versions composed it from
 * strided one-hot depthwise convolutions, steps and zero-insertion pads (about 12x slower for the
 * 2x2 pools of the quick preset's backbone: 36 ms against 3 ms for a `[16, 56, 56, 32]` input).
 * Where the backend's heap is reachable, the same rule runs in rfm.js' WebAssembly SIMD module
 * (simd/max-pool-grad.wat, four channels at a time); the JavaScript pass is the fallback.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from './kernel-helpers.js';
import { maxPoolGradWasm } from '../simd/max-pool-grad.generated.js';
import { heapModule, heapOffset, type WasmHeapBackend as SimdBackend } from '../simd/heap-module.js';

/** What this kernel uses of tfjs-backend-wasm's `BackendWasm`. */
interface WasmHeapBackend extends SimdBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** Signature of the SIMD module's export. */
type SimdMaxPoolGrad = (x: number, dy: number, dx: number, table: number, ...geometry: number[]) => void;

/**
 * Adds every window's output gradient to the arg-max of its window.
 *
 * @param dy - `[N, Ho, Wo, C]` output gradient
 * @param x - `[N, H, W, C]` forward input
 * @param dx - `[N, H, W, C]` zero-filled input gradient (written)
 * @param info - pooling geometry of the forward pass
 */
export function scatterMaxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const rowStride = w * c;
  // Channels innermost: every tap is a contiguous run of C values (the first max wins on ties).
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    const xBase = b * h * rowStride;
    for (let r = 0; r < ho; r++) {
      const r0 = r * sh - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(h, r0 + fh);
      for (let q = 0; q < wo; q++) {
        const c0 = q * sw - left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(w, c0 + fw);
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let xr = rMin; xr < rMax; xr++) {
          for (let xc = cMin; xc < cMax; xc++) {
            const tap = xBase + xr * rowStride + xc * c;
            for (let d = 0; d < c; d++) {
              const v = x[tap + d]!;
              if (v > best[d]!) {
                best[d] = v;
                at[d] = tap + d;
              }
            }
          }
        }
        const dyBase = ((b * ho + r) * wo + q) * c;
        for (let d = 0; d < c; d++) {
          const i = at[d]!;
          if (i >= 0) dx[i]! += dy[dyBase + d]!;
        }
      }
    }
  }
}

/** Kernel config of the heap-scatter `MaxPoolGrad` for the wasm backend (replaces wasm's own). */
export function createMaxPoolGradConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: 'wasm',
    setupFunc: original?.setupFunc,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as KernelArgs;
      const a = attrs as unknown as tf.MaxPoolGradAttrs;
      const heap = backend as WasmHeapBackend;
      const x = inputs['input'] as tf.TensorInfo;
      const dy = inputs['dy'] as tf.TensorInfo;
      const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      const out = heap.makeOutput(x.shape, 'float32');
      const simd = heapModule(maxPoolGradWasm, heap);
      if (simd !== null) {
        const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
        const geometry = [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, info.padInfo.top, info.padInfo.left];
        let table: tf.Tensor | undefined;
        try {
          // The module's table of one window's taps.
          table = tf.engine().makeTensorFromTensorInfo(heap.makeOutput([filterHeight * filterWidth], 'int32'));
          (simd['maxPoolGrad'] as SimdMaxPoolGrad)(heapOffset(heap, x), heapOffset(heap, dy), heapOffset(heap, out), heapOffset(heap, table), ...geometry);
        } catch (error) {
          // Nothing half-computed stays on the heap.
          tf.engine().makeTensorFromTensorInfo(out).dispose();
          throw error;
        } finally {
          table?.dispose();
        }
        return out;
      }
      // Views after the allocation: a heap growth detaches views taken before it.
      const dx = heap.typedArrayFromHeap(out);
      dx.fill(0);
      scatterMaxPoolGrad(heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(x), dx, info);
      return out;
    },
  };
}
