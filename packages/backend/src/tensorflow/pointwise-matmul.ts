/**
 * Pointwise (1x1, stride 1) convolutions as matrix products on the `tensorflow` backend. A 1x1
 * convolution of `[n, h, w, ci]` by `[1, 1, ci, co]` is the product of the `[n·h·w, ci]` rows and
 * the `[ci, co]` filter; its input gradient is `dY · Wᵀ` and its filter gradient `Xᵀ · dY`.
 * TensorFlow's `MatMul` computes these faster than its convolution ops do on a 2-core AMD EPYC:
 * on Xception's `[16, 8, 8, 182]` pointwise convolution (one intra-op thread) 0.46 against
 * 0.61-0.67 ms forward, 0.48 against 0.55 ms input gradient and 0.44 against 0.51 ms filter
 * gradient, and at 224 px the filter gradient of `[16, 109, 109, 128]` takes 36.5 instead of 54.8 ms
 * (docs/memory-and-speed.md, thirteenth session). Xception's separable convolutions end in such a
 * convolution: 34 of its 40.
 *
 * The patched `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` kernels take this route
 * for float32 NHWC pointwise convolutions without padding and pass every other case to tfjs-node's
 * own kernel. The sums run in a different order, so values agree with the convolution ops to float32
 * rounding (the backend parity suite checks them against `cpu`).
 *
 * Inference passes run core's fused convolution + bias + ReLU instead of `Conv2D`; its `tensorflow`
 * kernel (onednn-conv-bias.ts) takes the same route, with a `BiasAdd`, for pointwise convolutions
 * of at least {@link POINTWISE_BIAS_MATMUL_MIN_CHANNELS} input channels ({@link pointwiseConvWithBias}).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatTypeAttr, nativeReshape, type NodeBackend } from './node-backend.js';
import { tensorflowIntraOpThreads } from './intra-op-threads.js';
import { signalsBlockedDuringOps } from './addon-patches.js';

/** The kernels this module replaces. */
export const POINTWISE_MATMUL_KERNELS: readonly string[] = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

/**
 * The attributes of tfjs' convolution kernels that decide whether one is pointwise (dilations do
 * not: a 1x1 filter covers one pixel at any dilation).
 */
export interface ConvKernelAttrs {
  /** Strides along height and width (or one for both). */
  readonly strides: number | readonly number[];
  /** `'valid'`, `'same'`, a number or explicit pads. */
  readonly pad: unknown;
  /** `'NHWC'` or `'NCHW'`. */
  readonly dataFormat?: string;
}

function allOnes(v: number | readonly number[]): boolean {
  return typeof v === 'number' ? v === 1 : v.every((e) => e === 1);
}

function noPadding(pad: unknown): boolean {
  if (pad === 'valid' || pad === 'same' || pad === 0) return true;
  return Array.isArray(pad) && pad.every((p: unknown) => (Array.isArray(p) ? p.every((e) => e === 0) : p === 0));
}

/**
 * Whether a convolution with these attributes and this filter shape is pointwise (filter `[1, 1,
 * ci, co]`, stride 1, channels last, no padding: `'same'` and `'valid'` are the same for a 1x1
 * filter), the case the patched kernels run as a matrix product.
 *
 * @param attrs - the kernel's attributes
 * @param filterShape - `[fh, fw, ci, co]`
 */
export function isPointwiseConv(attrs: ConvKernelAttrs, filterShape: readonly number[]): boolean {
  return (
    filterShape[0] === 1 &&
    filterShape[1] === 1 &&
    (attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC') &&
    allOnes(attrs.strides) &&
    noPadding(attrs.pad)
  );
}

/** TensorFlow's ops for a product of two matrices, by the names of their transpose attributes. */
const MATRIX_PRODUCT_OPS = {
  MatMul: ['transpose_a', 'transpose_b'],
  BatchMatMulV2: ['adj_x', 'adj_y'],
} as const;

/** One of TensorFlow's ops for a product of two matrices. */
export type MatrixProductOp = keyof typeof MATRIX_PRODUCT_OPS;

/**
 * The op the route runs its products with when TensorFlow has `intraOpThreads` intra-op threads.
 * `MatMul` (oneDNN's sgemm in these builds) is the faster one: 231 against 257 ms for the
 * forward, input-gradient and filter-gradient products of eight Xception shapes at two threads,
 * 383 against 409 ms at one (2-core AMD EPYC). But with one intra-op thread TensorFlow runs it on
 * Node's main thread, and a signal that Node handles there while it runs (Ctrl-C, which `rfm train`
 * turns into a clean stop, or SIGTERM) corrupts the heap: glibc then aborts the process with
 * "corrupted size vs. prev_size" or "free(): invalid pointer", in plain tfjs-node too, usually at
 * the first signal. `BatchMatMulV2` (oneDNN's matmul primitive) survived hundreds of signals in
 * every transpose variant, as did the convolution, depthwise and ReLU ops; `MatMul` with two
 * threads did too (docs/memory-and-speed.md, fifteenth session). An addon that blocks those signals
 * on the calling thread while an op runs (`signalsBlocked`, addon-patches.ts) makes `MatMul` safe
 * on one thread as well: it survived the same signals in 3 of 3 runs (sixteenth session).
 *
 * @param intraOpThreads - TensorFlow's intra-op thread count
 * @param signalsBlocked - whether the addon blocks asynchronous signals while an op runs
 */
export function matrixProductOpFor(intraOpThreads: number, signalsBlocked = false): MatrixProductOp {
  return intraOpThreads === 1 && !signalsBlocked ? 'BatchMatMulV2' : 'MatMul';
}

/** The op of this process (its thread count is fixed once tfjs-node has loaded, before any kernel runs). */
let productOp: MatrixProductOp | undefined;

function matMul(b: NodeBackend, a: tf.Tensor, w: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  productOp ??= matrixProductOpFor(tensorflowIntraOpThreads(), signalsBlockedDuringOps());
  const [nameA, nameB] = MATRIX_PRODUCT_OPS[productOp];
  const bool = b.binding['TF_ATTR_BOOL'];
  const attrs = [{ name: nameA, type: bool, value: transposeA }, { name: nameB, type: bool, value: transposeB }, floatTypeAttr(b)];
  return b.executeSingleOutput(productOp, attrs, [a, w]);
}

/** `[rows, last]` view of a channels-last tensor. */
function rows(b: NodeBackend, t: tf.TensorInfo): tf.Tensor {
  const last = t.shape[t.shape.length - 1]!;
  return nativeReshape(b, t, [t.shape.reduce((p, d) => p * d, 1) / last, last]);
}

/**
 * A pointwise convolution's output computed on 2-D views: `multiply` gets `x`'s `[n·h·w, ci]` rows
 * and the `[ci, co]` filter and returns `[n·h·w, co]` rows, which come back as `[n, h, w, co]`.
 *
 * @param b - the `tensorflow` backend
 * @param x - `[n, h, w, ci]`
 * @param filter - `[1, 1, ci, co]`
 * @param multiply - the product (with whatever it adds), run inside `tf.tidy`
 * @returns `[n, h, w, co]`
 */
export function pointwiseProduct(b: NodeBackend, x: tf.TensorInfo, filter: tf.TensorInfo, multiply: (rows: tf.Tensor, weights: tf.Tensor) => tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const y = multiply(rows(b, x), nativeReshape(b, filter, filter.shape.slice(2)));
    return nativeReshape(b, y, [...x.shape.slice(0, 3), filter.shape[3]!]) as tf.Tensor4D;
  });
}

/** `a·b` (each transposed as asked) of 2-D views, reshaped to `shape`; call it inside `tf.tidy`. */
function product(b: NodeBackend, a: tf.Tensor, w: tf.Tensor, transposeA: boolean, transposeB: boolean, shape: readonly number[]): tf.Tensor {
  return nativeReshape(b, matMul(b, a, w, transposeA, transposeB), shape);
}

function floats(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

const wrappers: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2D: (original) => (args) => {
    const { x, filter } = args.inputs as { x: tf.Tensor4D; filter: tf.Tensor4D };
    if (!floats(x, filter) || !isPointwiseConv(args.attrs as unknown as ConvKernelAttrs, filter.shape)) return original(args);
    const b = args.backend as unknown as NodeBackend;
    return pointwiseProduct(b, x, filter, (r, w) => matMul(b, r, w, false, false));
  },
  Conv2DBackpropInput: (original) => (args) => {
    const { dy, filter } = args.inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    const inputShape = (args.attrs as { inputShape: number[] }).inputShape;
    if (!floats(dy, filter) || !isPointwiseConv(args.attrs as unknown as ConvKernelAttrs, filter.shape)) return original(args);
    const b = args.backend as unknown as NodeBackend;
    return tf.tidy(() => product(b, rows(b, dy), nativeReshape(b, filter, filter.shape.slice(2)), false, true, inputShape));
  },
  Conv2DBackpropFilter: (original) => (args) => {
    const { x, dy } = args.inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
    const filterShape = (args.attrs as { filterShape: number[] }).filterShape;
    if (!floats(x, dy) || !isPointwiseConv(args.attrs as unknown as ConvKernelAttrs, filterShape)) return original(args);
    const b = args.backend as unknown as NodeBackend;
    return tf.tidy(() => product(b, rows(b, x), rows(b, dy), true, false, filterShape));
  },
};

/**
 * The fewest input channels for which a pointwise convolution with bias runs faster as `MatMul` +
 * `BiasAdd` than as oneDNN's convolution with bias (which adds the bias while it writes the output,
 * where `BiasAdd` is one more pass over it). The `BiasAdd` pass weighs the least where each output
 * value sums many inputs. Measured per call with the ReLU after it, on a 2-core AMD EPYC at one and
 * two intra-op threads: at 224 px, `[16·14·14, 728] x [728, 728]` 16.1 against 10.9 ms and
 * `[16·7·7, 1536] x [1536, 2048]` 29.7 against 15.5 ms, but `[16·109·109, 64] x [64, 128]` 16.3
 * against 18.7 ms; at width 0.25, `[16·8·8, 182] x [182, 182]` 0.67 against 0.60 ms and
 * `[16·16·16, 64] x [64, 182]` 0.79 against 0.88 ms (docs/memory-and-speed.md, fourteenth session).
 */
export const POINTWISE_BIAS_MATMUL_MIN_CHANNELS = 128;

/**
 * Whether {@link pointwiseConvWithBias} should run this convolution (pointwise, float32, at least
 * {@link POINTWISE_BIAS_MATMUL_MIN_CHANNELS} input channels).
 *
 * @param attrs - the convolution's attributes
 * @param x - its input
 * @param filter - its filter
 */
export function prefersPointwiseMatMulWithBias(attrs: ConvKernelAttrs, x: tf.TensorInfo, filter: tf.TensorInfo): boolean {
  return floats(x, filter) && isPointwiseConv(attrs, filter.shape) && filter.shape[2]! >= POINTWISE_BIAS_MATMUL_MIN_CHANNELS;
}

/**
 * A pointwise convolution plus its per-channel bias as `MatMul` and `BiasAdd` (the caller checks
 * {@link isPointwiseConv}).
 *
 * @param b - the `tensorflow` backend
 * @param x - `[n, h, w, ci]`
 * @param filter - `[1, 1, ci, co]`
 * @param bias - `[co]`
 * @returns `[n, h, w, co]`
 */
export function pointwiseConvWithBias(b: NodeBackend, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo): tf.Tensor4D {
  const attrs = [floatTypeAttr(b), { name: 'data_format', type: b.binding['TF_ATTR_STRING'], value: 'NHWC' }];
  return pointwiseProduct(b, x, filter, (r, w) => b.executeSingleOutput('BiasAdd', attrs, [matMul(b, r, w, false, false), bias]));
}

/**
 * Wraps tfjs-node's original kernel `name` (one of {@link POINTWISE_MATMUL_KERNELS}) so that
 * pointwise convolutions run as a matrix product.
 *
 * @param name - the kernel's name
 * @param original - tfjs-node's kernel function
 */
export function pointwiseMatMulKernel(name: string, original: tf.KernelFunc): tf.KernelFunc {
  const wrap = wrappers[name];
  if (!wrap) throw new RangeError(`pointwiseMatMulKernel: "${name}" is not one of ${POINTWISE_MATMUL_KERNELS.join(', ')}`);
  return wrap(original);
}
