/**
 * `Slice` and `SplitV` for wasm without copying the whole input per piece. In tfjs-backend-wasm
 * 4.22.0 every slice first reads its input with `readSync`, which copies the input out of the
 * heap; `SplitV` slices once per piece, so splitting an `n`-element vector into `k` pieces copies
 * `k·n` elements. Adam over one flat vector splits all ~150 weights of an Xception at once: that
 * one `SplitV` took 584 ms of a 2.2 s step of width 0.25 at 128 px. Here a contiguous piece (any
 * piece of a split along the leading axis, every piece of a 1-D split) is copied straight from a
 * view of the heap; other slices keep wasm's own kernel.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from './kernel-helpers.js';

/** What the kernels that copy on the heap (slices, gathers) use of tfjs-backend-wasm's `BackendWasm`. */
export interface HeapCopyBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Copies the contiguous block `[begin, begin + size)` of `x` (already parsed and checked) into a
 * new tensor on the heap, or returns `null` when the block is not contiguous or holds strings.
 *
 * @param x - input tensor
 * @param begin - start per axis
 * @param size - extent per axis
 * @param backend - the wasm backend
 */
function heapSlice(x: tf.TensorInfo, begin: number[], size: number[], backend: HeapCopyBackend): tf.TensorInfo | null {
  if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
  const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
  const length = tf.util.sizeFromShape(size);
  const out = backend.makeOutput(size, x.dtype);
  // Views after the allocation: a heap growth detaches views taken before it.
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + length));
  return out;
}

/**
 * The `Slice` override for wasm: contiguous blocks straight from the heap.
 *
 * @param original - wasm's own kernel, for the other slices
 */
export function createSliceConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as KernelArgs;
      const x = inputs['x'] as tf.TensorInfo;
      const a = attrs as unknown as tf.SliceAttrs;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size);
      return heapSlice(x, begin, size, backend as HeapCopyBackend) ?? original.kernelFunc(args);
    },
  };
}

/**
 * The `SplitV` override for wasm: each piece is a slice, contiguous pieces straight from the heap.
 *
 * @param originalSlice - wasm's own `Slice` kernel, for pieces that are not contiguous
 */
export function createSplitVConfig(originalSlice: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.SplitV,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as KernelArgs;
      const x = inputs['x'] as tf.TensorInfo;
      const a = attrs as unknown as tf.SplitVAttrs;
      const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((s) => {
        const size = [...x.shape];
        size[axis] = s;
        const piece =
          heapSlice(x, begin, size, backend as HeapCopyBackend) ??
          (originalSlice.kernelFunc({ inputs: { x }, attrs: { begin: [...begin], size }, backend: args.backend }) as tf.TensorInfo);
        begin[axis]! += s;
        return piece;
      });
    },
  };
}
