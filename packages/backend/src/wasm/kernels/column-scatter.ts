/**
 * The input gradient of a convolution (filters larger than 1x1) by columns: `cols = dY · Wᵀ` (one
 * GEMM, `[M, fh·fw·Cin]` with `M = N·Ho·Wo`), then each column entry added onto the input pixel it
 * was read from ("col2im"). The zero-insertion form (`dilateAndPad` + a stride-1 convolution)
 * multiplies `stride²` times as many numbers, most of them inserted zeros, and for a network's first
 * layer (`Cin` = 3 colour channels) its convolution has only three output channels, where XNNPACK's
 * GEMM is slow: Xception's first layer (3x3, stride 2) took 42 ms per w0.25 FAM pass that way. At
 * stride 1 the two forms multiply as many numbers, but the columns are the smaller matrix and
 * their GEMM the wider one: Xception's second layer, 35 → 15 ms at w0.25 (batch 16), 149 → 101 ms
 * at full width and 224 px (micro-batch of 4).
 *
 * The scatter runs in rfm.js' SIMD module on the heap (`simd/col2im.wat`, `fh·fw·Cin` additions per
 * output pixel, four lanes at a time), or in JavaScript on the heap's views where the module cannot
 * run; both add in the same order, so they give the same bits.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ConvGeometry, convolutionMatMul, transposeMatrix } from './conv-geometry.js';
import { col2imWasm } from '../simd/col2im.generated.js';
import { PATCH_LIMIT, concatImageChunks, imagesPerGemm } from './gemm-conv.js';
import { heapFloat32, heapModule, heapOffset, heapReachable, type WasmHeapBackend } from '../simd/heap-module.js';

/**
 * Input gradient of an NHWC convolution (dilation 1) as one GEMM and a scatter-add on the wasm
 * heap (one per chunk of images where the column matrix would pass {@link PATCH_LIMIT} floats);
 * null when the active backend is not wasm with a reachable heap, the tensors are not float32, or
 * one image's columns alone pass the limit (then use the zero-insertion form).
 *
 * @param dy - output gradient `[N, Ho, Wo, Cout]`
 * @param filter - forward filter `[fh, fw, Cin, Cout]`
 * @param g - the forward convolution's geometry
 * @returns `[N, H, W, Cin]`; the caller owns it
 */
export function columnScatterInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D | null {
  if (tf.getBackend() !== 'wasm' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  if (!heapReachable(backend)) return null;
  const [fh, fw, cin, cout] = filter.shape;
  const taps = fh * fw * cin;
  const chunk = imagesPerGemm(g.batch, g.outHeight * g.outWidth * taps);
  if (chunk === 0) return null;
  if (chunk < g.batch) {
    return concatImageChunks([dy], chunk, ([part]) => columnScatterInputGradient(part!, filter, { ...g, batch: part!.shape[0] })) as tf.Tensor4D | null;
  }
  const m = g.batch * g.outHeight * g.outWidth;
  const cols = tf.tidy(() =>
    convolutionMatMul(tf.reshape(dy, [m, cout]) as tf.Tensor2D, transposeMatrix(tf.reshape(filter, [taps, cout]) as tf.Tensor2D)),
  );
  let out: tf.TensorInfo | undefined;
  try {
    out = backend.makeOutput([g.batch, g.inHeight, g.inWidth, cin], 'float32');
    const simd = heapModule(col2imWasm, backend);
    if (simd !== null) {
      const { batch, inHeight, inWidth, filterHeight, filterWidth, strideHeight, strideWidth, top, left, outHeight, outWidth } = g;
      const col2im = simd['col2im'] as (...args: number[]) => void;
      col2im(heapOffset(backend, cols), heapOffset(backend, out), batch, inHeight, inWidth, cin, filterHeight, filterWidth, strideHeight, strideWidth, top, left, outHeight, outWidth);
    } else {
      // Views taken after the output exists: growing the heap detaches older views.
      const dst = heapFloat32(backend, out);
      dst.fill(0);
      scatterColumns(heapFloat32(backend, cols), dst, g, cin);
    }
  } catch (error) {
    if (out !== undefined) tf.engine().makeTensorFromTensorInfo(out).dispose();
    throw error;
  } finally {
    cols.dispose();
  }
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
}

/**
 * Adds each column entry `cols[(n, oy, ox), (ky, kx, c)]` onto `dx[n, oy·sh + ky − top, ox·sw + kx − left, c]`,
 * skipping taps that fall in the padding.
 *
 * @param cols - `[N·Ho·Wo, fh·fw·Cin]`
 * @param dx - `[N, H, W, Cin]`, zeroed
 * @param g - the forward convolution's geometry
 * @param cin - input channels
 */
export function scatterColumns(cols: Float32Array, dx: Float32Array, g: ConvGeometry, cin: number): void {
  const { batch, inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, top, left } = g;
  const rowStride = inWidth * cin;
  const tapRow = filterWidth * cin;
  let col = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * inHeight * rowStride;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        // The filter columns that fall inside the image: one contiguous run of `end - skip` values per filter row.
        const skip = Math.max(0, -x0) * cin;
        const end = Math.min(filterWidth, inWidth - x0) * cin;
        for (let ky = 0; ky < filterHeight; ky++, col += tapRow) {
          const y = y0 + ky;
          if (y < 0 || y >= inHeight) continue;
          const at = image + y * rowStride + x0 * cin;
          for (let j = skip; j < end; j++) dx[at + j] += cols[col + j];
        }
      }
    }
  }
}
