/**
 * `RfmReluGrad` on wasm (the kernel of the `Relu` gradient from its output, `../../relu-grad.ts`):
 * `dx = dy` where `y > 0`, else 0, in one pass of rfm.js' SIMD module on the heap
 * (`simd/relu-grad.wat`). tfjs' formula `dy · step(y)` is two full-size kernels: a FAM pass of
 * Xception width 0.25 at 128 px spent 19 ms of 470 in them. Without a reachable heap the same rule
 * runs in JavaScript on the heap's views.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD_KERNEL } from '../../relu-grad.js';
import { reluGradWasm } from '../simd/relu-grad.generated.js';
import { heapModule, heapOffset, type WasmHeapBackend as SimdBackend } from '../simd/heap-module.js';

interface WasmHeapBackend extends SimdBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

type SimdReluGrad = (dy: number, y: number, dx: number, n: number) => void;

/** The wasm kernel of {@link RELU_GRAD_KERNEL} (float32 `dy` and `x`, the ReLU's output, of one shape). */
export const reluGradConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const heap = backend as unknown as WasmHeapBackend;
    const dy = inputs['dy']!;
    const y = inputs['x']!;
    const out = heap.makeOutput([...dy.shape], 'float32');
    const n = tf.util.sizeFromShape(dy.shape);
    const simd = heapModule(reluGradWasm, heap);
    if (simd !== null) {
      (simd['reluGrad'] as SimdReluGrad)(heapOffset(heap, dy), heapOffset(heap, y), heapOffset(heap, out), n);
      return out;
    }
    // Views after the allocation: a heap growth detaches views taken before it.
    const d = heap.typedArrayFromHeap(dy);
    const v = heap.typedArrayFromHeap(y);
    const dx = heap.typedArrayFromHeap(out);
    for (let i = 0; i < n; i++) dx[i] = v[i]! > 0 ? d[i]! : 0;
    return out;
  },
};
