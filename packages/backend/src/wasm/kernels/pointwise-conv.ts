/**
 * 1x1 convolutions on wasm through rfm.js' relaxed-SIMD GEMM ({@link heapGemm}): `Conv2D` and
 * core's convolution + bias + activation of inference passes, for a 1x1 filter with stride 1, no
 * padding and dilation 1, channels last. An NHWC tensor `[N, H, W, Cin]` is the row-major matrix
 * `[N·H·W, Cin]` and a `[1, 1, Cin, Cout]` filter the matrix `[Cin, Cout]`, so the convolution is one
 * GEMM on the heap with no copy. These are most of Xception's convolutions (the pointwise half of
 * every separable one). Everything else, and every case where the GEMM cannot run, goes to the
 * kernel registered before (XNNPACK).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_BIAS_ACTIVATION_KERNEL, type ConvBiasActivationAttrs } from '@rfm/core';
import type { WasmHeapBackend } from '../simd/heap-module.js';
import { heapGemm, type HeapGemmOptions } from './heap-gemm.js';

/** The attributes of `Conv2D` and of the fused kernels this module reads. */
interface PointwiseAttrs {
  readonly strides: number | readonly number[];
  readonly pad: unknown;
  readonly dataFormat?: string;
  readonly dilations?: number | readonly number[];
}

const isOne = (v: number | readonly number[] | undefined): boolean => v === undefined || (typeof v === 'number' ? v === 1 : v.every((d) => d === 1));

/** Whether `pad` adds nothing around a 1x1 window at stride 1. */
function noPadding(pad: unknown): boolean {
  if (pad === 'valid' || pad === 'same' || pad === 0) return true;
  return Array.isArray(pad) && pad.every((side: unknown) => (Array.isArray(side) ? side.every((p) => p === 0) : side === 0));
}

/**
 * The 1x1 convolution of `x` by `filter` as one GEMM on the heap, or null when the case is not a
 * pointwise one or the GEMM cannot run.
 */
function pointwise(backend: WasmHeapBackend, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: PointwiseAttrs, options: HeapGemmOptions = {}): tf.TensorInfo | null {
  const [fh, fw, cin, cout] = filter.shape as [number, number, number, number];
  const channelsLast = attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC';
  if (fh !== 1 || fw !== 1 || x.shape.length !== 4 || !channelsLast || !isOne(attrs.strides) || !isOne(attrs.dilations) || !noPadding(attrs.pad)) return null;
  const [n, h, w] = x.shape as [number, number, number, number];
  return heapGemm(backend, x, filter, { m: n * h * w, k: cin, n: cout }, { ...options, outShape: [n, h, w, cout] });
}

/**
 * wasm's `Conv2D` with 1x1 convolutions through the relaxed-SIMD GEMM.
 *
 * @param original - wasm's own `Conv2D` (XNNPACK), for every other case
 */
export function createConv2DConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const out = pointwise(args.backend as unknown as WasmHeapBackend, x, filter, args.attrs as unknown as PointwiseAttrs);
      return out ?? original.kernelFunc(args);
    },
  };
}

/**
 * Core's {@link CONV_BIAS_ACTIVATION_KERNEL} on wasm with 1x1 convolutions through the relaxed-SIMD
 * GEMM, which adds the bias and applies the ReLU as it stores each tile.
 *
 * @param fallback - the kernel for every other case (XNNPACK's fused convolution)
 */
export function createConvBiasActivationConfig(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    ...fallback,
    kernelName: CONV_BIAS_ACTIVATION_KERNEL,
    kernelFunc: (args) => {
      const { x, filter, bias } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo };
      const attrs = args.attrs as unknown as ConvBiasActivationAttrs;
      const out = pointwise(args.backend as unknown as WasmHeapBackend, x, filter, attrs, { bias, relu: attrs.activation === 'relu' });
      return out ?? fallback.kernelFunc(args);
    },
  };
}
