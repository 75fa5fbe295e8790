/**
 * Shape helpers shared by the wasm gradient kernels: padding geometry of a convolution, padding or
 * cropping a feature map, and zero insertion (the transpose of a strided convolution's subsampling).
 * Everything is built from tfjs ops, so it runs as wasm kernels when the wasm backend is active.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

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
    const [n, h, w, c] = y.shape;
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    y = tf.slice(y, [0, t, l, 0], [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
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
 * Transposes a `[M, C]` matrix. wasm's 2-D transpose suffers cache-set conflicts when `M` is a
 * multiple of a large power of two (11.4 ms for `[4096, 182]`); for those, the same permutation
 * written as `[M/256, 256, C]` → `[C, M/256, 256]` runs in 0.4-1.6 ms. Other sizes keep the 2-D form,
 * which is then the faster one (measured on `[15376, 91]`: 1.1 ms against ~10 ms).
 *
 * @param x - `[M, C]`
 * @returns `[C, M]`
 */
export function transposeMatrix(x: tf.Tensor2D): tf.Tensor2D {
  const [m, c] = x.shape;
  if (m % 256 !== 0 || m === 256) return tf.transpose(x);
  return tf.reshape(tf.transpose(tf.reshape(x, [m / 256, 256, c]), [2, 0, 1]), [c, m]);
}
