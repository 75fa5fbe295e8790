/**
 * Convolutions on wasm as one GEMM on the heap ({@link heapGemm}): `Conv2D` and core's convolution
 * + bias + activation of inference passes, channels last, dilation 1.
 *
 * - 1x1, stride 1, no padding: an NHWC tensor `[N, H, W, Cin]` is the row-major matrix
 *   `[N·H·W, Cin]` and the filter the matrix `[Cin, Cout]`: one GEMM, no copy. These are most of
 *   Xception's convolutions (the pointwise half of every separable one).
 * - otherwise: the patch matrix ({@link patchMatrix}, one row per output pixel) times the filter
 *   seen as `[fh·fw·Cin, Cout]`. XNNPACK ran Xception's strided 1x1 shortcuts at 9 GFLOP/s and
 *   its 3x3 entry convolutions at 6 GFLOP/s (full width, 224 px, micro-batch of 4), against the
 *   GEMM's 30-40.
 *
 * Every case where the GEMM cannot run, or whose patch matrix would pass 2^25
 * floats, goes to the kernel registered before (XNNPACK).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_BIAS_ACTIVATION_KERNEL, type ConvBiasActivationAttrs } from '@rfm/core';
import { heapModule, heapOffset, type WasmHeapBackend } from '../simd/heap-module.js';
import { im2colWasm } from '../simd/im2col.generated.js';
import { convGeometry, noDilation, type ConvGeometry, type ConvPad } from './conv-geometry.js';
import { heapGemm, heapGemmAvailable, type HeapGemmOptions } from './heap-gemm.js';

/**
 * Largest patch (or column) matrix built for one GEMM by default (floats: 128 MB). A convolution
 * whose matrix would be larger runs over chunks of images ({@link imagesPerGemm}); where one image
 * alone passes the limit, XNNPACK runs.
 */
export const PATCH_LIMIT = 1 << 25;

/** The limit in force ({@link PATCH_LIMIT} unless a test set another). */
let patchLimit = PATCH_LIMIT;

/**
 * Sets the largest patch matrix built for one GEMM: tests use a small one to run the chunked paths
 * on small tensors.
 *
 * @param floats - the limit in floats; default {@link PATCH_LIMIT}
 */
export function setPatchLimit(floats: number = PATCH_LIMIT): void {
  patchLimit = floats;
}

/**
 * Images per GEMM so that a matrix of `floatsPerImage` floats per image stays within the patch
 * limit: `batch` when the whole batch fits, 0 when one image alone passes it.
 *
 * At full width and 224 px, Xception's second convolution has 3.4 M patch floats per image, so a
 * batch of 16 (55 M) runs as chunks of 9 and 7 images. Without chunks, its filter gradient (the
 * conv trick on XNNPACK) took 2.8x as long and its input gradient (zero insertion) 1.5x; XNNPACK's
 * forward pass took about as long (one thread; docs/memory-and-speed.md).
 *
 * @param batch - images in the batch
 * @param floatsPerImage - floats of the matrix per image
 */
export function imagesPerGemm(batch: number, floatsPerImage: number): number {
  return Math.min(batch, Math.floor(patchLimit / floatsPerImage));
}

/**
 * `part` over consecutive chunks of at most `chunk` images of `tensors` (4-D, one batch), in order:
 * the tensors themselves when `chunk` covers the batch, slices otherwise. Null as soon as a part is
 * null (the results so far are freed).
 *
 * @param tensors - inputs with the same batch size
 * @param chunk - most images per part (at least 1)
 * @param part - the computation on one chunk; returns a tensor the caller then owns, or null
 * @returns one result per chunk, owned by the caller, or null
 */
export function overImageChunks(tensors: readonly tf.Tensor4D[], chunk: number, part: (slices: tf.Tensor4D[]) => tf.Tensor | null): tf.Tensor[] | null {
  const batch = tensors[0]!.shape[0];
  if (chunk >= batch) {
    const whole = part([...tensors]);
    return whole === null ? null : [whole];
  }
  const results: tf.Tensor[] = [];
  for (let start = 0; start < batch; start += chunk) {
    const size = Math.min(chunk, batch - start);
    const slices = tensors.map((t) => tf.slice(t, [start, 0, 0, 0], [size, -1, -1, -1]));
    try {
      const result = part(slices);
      if (result === null) {
        tf.dispose(results);
        return null;
      }
      results.push(result);
    } finally {
      tf.dispose(slices);
    }
  }
  return results;
}

/**
 * {@link overImageChunks} with the results joined along the batch axis (the parts are freed):
 * for computations whose output has one entry per input image.
 *
 * @returns the joined result, owned by the caller, or null as soon as a part is null
 */
export function concatImageChunks(tensors: readonly tf.Tensor4D[], chunk: number, part: (slices: tf.Tensor4D[]) => tf.Tensor | null): tf.Tensor | null {
  const parts = overImageChunks(tensors, chunk, part);
  if (parts === null) return null;
  try {
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}

/** Whether a convolution's patch matrix is its input itself (1x1, stride 1, no padding). */
function patchesAreInput(x: readonly number[], g: ConvGeometry): boolean {
  return g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1 && g.top === 0 && g.left === 0 && g.outHeight === x[1] && g.outWidth === x[2];
}

/**
 * Images per GEMM over the patch matrix of a convolution of `x` ({@link imagesPerGemm}): the whole
 * batch where the patch matrix is `x` itself (no matrix is built), else as many as the limit admits.
 *
 * @param x - the input's shape `[N, H, W, Cin]`
 * @param g - the convolution's geometry
 */
export function imagesPerPatchGemm(x: readonly number[], g: ConvGeometry): number {
  return patchesAreInput(x, g) ? g.batch : imagesPerGemm(g.batch, g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * x[3]!);
}

/** The attributes of `Conv2D` and of the fused kernels this module reads. */
interface ConvAttrs {
  readonly strides: number | [number, number];
  readonly pad: ConvPad;
  readonly dataFormat?: string;
  readonly dilations?: number | readonly number[];
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The patch matrix of a convolution, `[N, Ho, Wo, fh·fw·Cin]`: for every output pixel the input
 * values its window covers, tap after tap (the order of a `[fh, fw, Cin, Cout]` filter's rows), with
 * zeros where the window covers padding. The input itself for a 1x1 window at stride 1 without
 * padding; otherwise built on the heap by rfm.js' module (`simd/im2col.wat`, one bulk copy per pixel
 * and tap: wasm's `StridedSlice` took 34 ms per tap of Xception's first convolution at 224 px).
 *
 * @param x - `[N, H, W, Cin]` on the active wasm backend
 * @param g - the convolution's geometry
 * @returns the patches (`x` itself or a new tensor the caller owns), or null where rfm.js' heap
 *   modules cannot run or a new patch matrix would pass the limit ({@link PATCH_LIMIT})
 */
export function patchMatrix(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D | null {
  const [n, h, w, c] = x.shape;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, top, left } = g;
  if (patchesAreInput(x.shape, g)) return x;
  if (n * oh * ow * fh * fw * c > patchLimit) return null;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const exports = tf.getBackend() === 'wasm' && x.dtype === 'float32' ? heapModule(im2colWasm, backend) : null;
  if (exports === null) return null;
  const out = backend.makeOutput([n, oh, ow, fh * fw * c], 'float32');
  (exports['im2col'] as (...args: number[]) => void)(heapOffset(backend, x), heapOffset(backend, out), n, h, w, c, fh, fw, sh, sw, top, left, oh, ow);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
}

/**
 * The convolution of `x` by `filter` as one GEMM on the heap (one per chunk of images where the
 * patch matrix would pass the limit), or null when it cannot run here.
 */
function convolutionGemm(backend: WasmHeapBackend, x: tf.Tensor4D, filter: tf.Tensor4D, attrs: ConvAttrs, options: HeapGemmOptions = {}): tf.TensorInfo | null {
  const channelsLast = attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC';
  if (x.rank !== 4 || !channelsLast || !noDilation(attrs.dilations) || !heapGemmAvailable(backend)) return null;
  const g = convGeometry(x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  const [fh, fw, cin, cout] = filter.shape;
  const chunk = imagesPerPatchGemm(x.shape, g);
  if (chunk === 0) return null;
  if (chunk < g.batch) {
    return concatImageChunks([x], chunk, ([part]) => {
      const out = convolutionGemm(backend, part!, filter, attrs, options);
      return out === null ? null : tf.engine().makeTensorFromTensorInfo(out);
    });
  }
  const rows = g.batch * g.outHeight * g.outWidth;
  const patches = patchMatrix(x, g);
  if (patches === null) return null;
  try {
    return heapGemm(backend, patches, filter, { m: rows, k: fh * fw * cin, n: cout }, { ...options, outShape: [g.batch, g.outHeight, g.outWidth, cout] });
  } finally {
    if (patches !== x) patches.dispose();
  }
}

/**
 * wasm's `Conv2D` through the relaxed-SIMD GEMM.
 *
 * @param original - wasm's own `Conv2D` (XNNPACK), for every other case
 */
export function createConv2DConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.Tensor4D; filter: tf.Tensor4D };
      const out = convolutionGemm(args.backend as unknown as WasmHeapBackend, x, filter, args.attrs as unknown as ConvAttrs);
      return out ?? original.kernelFunc(args);
    },
  };
}

/**
 * Core's {@link CONV_BIAS_ACTIVATION_KERNEL} on wasm through the relaxed-SIMD GEMM, which adds the
 * bias and applies the ReLU as it stores each tile.
 *
 * @param fallback - the kernel for every other case (XNNPACK's fused convolution)
 */
export function createConvBiasActivationConfig(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    ...fallback,
    kernelName: CONV_BIAS_ACTIVATION_KERNEL,
    kernelFunc: (args) => {
      const { x, filter, bias } = args.inputs as { x: tf.Tensor4D; filter: tf.Tensor4D; bias: tf.TensorInfo };
      const attrs = args.attrs as unknown as ConvBiasActivationAttrs;
      const out = convolutionGemm(args.backend as unknown as WasmHeapBackend, x, filter, attrs, { bias, relu: attrs.activation === 'relu' });
      return out ?? fallback.kernelFunc(args);
    },
  };
}
