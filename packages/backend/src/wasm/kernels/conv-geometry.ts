/**
 * Shape helpers shared by the wasm gradient kernels: padding geometry of a convolution, padding or
 * cropping a feature map, and zero insertion (the transpose of a strided convolution's subsampling).
 * Everything is built from tfjs ops, so it runs as wasm kernels when the wasm backend is active.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapMatMul } from './heap-gemm.js';
import { heapModule, heapOffset, type WasmHeapBackend } from '../simd/heap-module.js';
import { transposeWasm } from '../simd/transpose.generated.js';

/** `x` transposed by the SIMD module, or null off wasm (or for other dtypes). */
function simdTranspose(x: tf.Tensor2D): tf.Tensor2D | null {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return null;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const exports = heapModule(transposeWasm, backend);
  if (exports === null) return null;
  const [m, c] = x.shape;
  const out = backend.makeOutput([c, m], 'float32');
  (exports['transpose2d'] as (src: number, dst: number, rows: number, cols: number) => void)(heapOffset(backend, x), heapOffset(backend, out), m, c);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** Padding attribute of a convolution kernel as tfjs passes it. */
export type ConvPad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** Geometry of one 2-D convolution (NHWC, dilation 1), as the gradient kernels need it. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  /** Rows of padding above the input. */
  readonly top: number;
  /** Columns of padding left of the input. */
  readonly left: number;
}

/**
 * The geometry arguments of rfm.js' depthwise SIMD modules, in their order: `n, h, w, c, ho, wo,
 * fh, fw, sh, sw, top, left`.
 *
 * @param g - the convolution's geometry
 * @param channels - channels of the input
 */
export function depthwiseModuleGeometry(g: ConvGeometry, channels: number): number[] {
  return [g.batch, g.inHeight, g.inWidth, channels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.top, g.left];
}

/**
 * Whether a dilation attribute means no dilation (absent, `1` or all ones).
 *
 * @param dilations - a convolution's `dilations` attribute
 */
export function noDilation(dilations: number | readonly number[] | undefined): boolean {
  return dilations === undefined || (typeof dilations === 'number' ? dilations === 1 : dilations.every((d) => d === 1));
}

/**
 * Computes the geometry of an NHWC convolution with dilation 1.
 *
 * @param inShape - `[N, H, W, C]` of the forward input
 * @param filterShape - `[fh, fw, in, out]` (regular) or `[fh, fw, C, multiplier]` (depthwise)
 * @param strides - forward strides
 * @param pad - forward padding
 * @param roundingMode - forward rounding mode for explicit numeric padding
 * @param depthwise - whether the filter is a depthwise filter
 */
export function convGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: ConvPad,
  roundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    roundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * Pads (positive amounts) or crops (negative amounts) the spatial axes of an NHWC tensor with zeros.
 * Returns the input itself when nothing changes.
 *
 * @param x - `[N, H, W, C]`
 * @param top - rows added above (negative: removed)
 * @param bottom - rows added below (negative: removed)
 * @param left - columns added on the left (negative: removed)
 * @param right - columns added on the right (negative: removed)
 * @param value - the padding value
 */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number, value = 0): tf.Tensor4D {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    y = cropSpatial(y, Math.max(0, -top), Math.max(0, -bottom), Math.max(0, -left), Math.max(0, -right));
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ], value);
  }
  return y;
}

/** Largest one-hot window {@link cropSpatial} uses instead of a slice (3x3 is already as slow as a slice). */
const MAX_CROP_WINDOW = 4;

/**
 * Removes rows and columns from the borders of an NHWC tensor. wasm's `Slice` copies the whole
 * input to JavaScript and then copies row by row (4.5 ms to crop a `[16, 65, 65, 32]` tensor); for
 * float32 tensors cropped by at most one row and one column, a 'valid' depthwise convolution whose
 * 2x2 filter is one-hot at `(t, l)` does the same in 1.4 ms, exactly (`x·1 + 0·others`; an
 * infinite value in the window would turn into NaN, which no gradient here carries). XNNPACK's 3x3
 * and 5x5 depthwise kernels are no faster than the slice (3.7 / 13.7 ms), so larger crops slice.
 *
 * @param x - `[N, H, W, C]`
 * @param top - rows removed above
 * @param bottom - rows removed below
 * @param left - columns removed on the left
 * @param right - columns removed on the right
 */
export function cropSpatial(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const kh = top + bottom + 1;
  const kw = left + right + 1;
  if (x.dtype !== 'float32' || kh * kw > MAX_CROP_WINDOW || x.size < 4096) {
    return tf.slice(x, [0, top, left, 0], [n, h - top - bottom, w - left - right, c]);
  }
  return tf.tidy(() => {
    const filter = tf.buffer([kh, kw, c, 1], 'float32');
    for (let k = 0; k < c; k++) filter.set(1, top, left, k, 0);
    return tf.depthwiseConv2d(x, filter.toTensor() as tf.Tensor4D, 1, 'valid');
  });
}

/**
 * Inserts `stride - 1` zeros between neighbouring pixels, then pads or crops so that the result has
 * `top + (H - 1) * strideHeight + 1 + bottom` rows (columns likewise). This maps an output gradient
 * back onto the input grid of a strided convolution. A rank-6 pad does the insertion (rank-6 pads
 * are fast on wasm; rank-6 slices are not, so none is used).
 *
 * @param dy - `[N, H, W, C]`
 * @param strideHeight - vertical stride
 * @param strideWidth - horizontal stride
 * @param top - rows before the first pixel (negative: crop)
 * @param bottom - rows after the last pixel (negative: crop)
 * @param left - columns before the first pixel (negative: crop)
 * @param right - columns after the last pixel (negative: crop)
 */
export function dilateAndPad(
  dy: tf.Tensor4D,
  strideHeight: number,
  strideWidth: number,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return padOrCrop(dy, top, bottom, left, right);
  const [n, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const dilated = tf.reshape(spread, [n, h * strideHeight, w * strideWidth, c]) as tf.Tensor4D;
  // The insertion leaves stride - 1 trailing zero rows/columns; fold them into the bottom/right amount.
  return padOrCrop(dilated, top, bottom - (strideHeight - 1), left, right - (strideWidth - 1));
}

/**
 * Transposes a `[M, C]` matrix: by rfm.js' WebAssembly SIMD module (simd/transpose.wat: 4 x 4 tiles
 * in 32 x 32 blocks) when the active backend is wasm, else with tfjs ops. wasm's own 2-D transpose
 * is a scalar loop that also suffers cache-set conflicts when `M` is a multiple of a large power of
 * two (11.4 ms for `[4096, 182]`); for those, the same permutation written as `[M/256, 256, C]` →
 * `[C, M/256, 256]` runs in 0.4-1.6 ms. Other sizes keep the 2-D form, which is then the faster one
 * (measured on `[15376, 91]`: 1.1 ms against ~10 ms).
 *
 * @param x - `[M, C]`
 * @returns `[C, M]`
 */
export function transposeMatrix(x: tf.Tensor2D): tf.Tensor2D {
  const [m, c] = x.shape;
  const simd = simdTranspose(x);
  if (simd !== null) return simd;
  if (m % 256 !== 0 || m === 256) return tf.transpose(x);
  return tf.reshape(tf.transpose(tf.reshape(x, [m / 256, 256, c]), [2, 0, 1]), [c, m]);
}

/**
 * Padding of the zero-inserted output gradient for an input gradient computed as a stride-1 "valid"
 * convolution with the flipped filter (the transposed convolution of `g`).
 *
 * @param g - the forward convolution's geometry
 */
export function transposedConvPadding(g: ConvGeometry): { top: number; bottom: number; left: number; right: number } {
  const top = g.filterHeight - 1 - g.top;
  const left = g.filterWidth - 1 - g.left;
  const bottom = g.inHeight + g.filterHeight - 1 - top - ((g.outHeight - 1) * g.strideHeight + 1);
  const right = g.inWidth + g.filterWidth - 1 - left - ((g.outWidth - 1) * g.strideWidth + 1);
  return { top, bottom, left, right };
}

/**
 * The matrix product `a · b` (`[r, k] · [k, n]`) for the convolution gradients: rfm.js'
 * relaxed-SIMD GEMM on the heap where it runs ({@link heapMatMul}), else a 1x1 convolution of `a`,
 * seen as one image row of `r` pixels with `k` channels, by the filter `b`. wasm's `BatchMatMul`
 * runs XNNPACK's fully-connected operator without its thread pool; its convolution uses the pool,
 * so with `initBackend('wasm', { threads })` the convolution gradients' GEMMs run on every thread.
 *
 * @param a - `[r, k]`
 * @param b - `[k, n]`
 */
export function convolutionMatMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const heap = heapMatMul(a, b);
  if (heap !== null) return heap;
  const [r, k] = a.shape;
  const n = b.shape[1];
  return tf.reshape(tf.conv2d(tf.reshape(a, [1, 1, r, k]) as tf.Tensor4D, tf.reshape(b, [1, 1, k, n]) as tf.Tensor4D, 1, 'valid'), [r, n]) as tf.Tensor2D;
}
