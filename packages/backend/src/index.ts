/**
 * `@rfm/backend`: TensorFlow.js backend selection at run time (native TensorFlow, wasm, cpu) and
 * the kernels each backend needs for training, grouped per backend (`wasm/`, `tensorflow/`).
 * Building the native addon is `@rfm/native-build`'s job.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './backend-options.js';
export * from './init-backend.js';
export * from './wasm/wasm-files.js';
export * from './wasm/wasm-training-kernels.js';
export * from './tensorflow/native-kernel-patches.js';
export { fusedPointwiseActive } from './tensorflow/fused-pointwise.js';
export { ONE_THREAD_MAX_MULTIPLY_ADDS, suggestedTensorflowThreads } from './tensorflow/intra-op-threads.js';
export { suggestedWasmThreads, WASM_THREADS_MIN_MULTIPLY_ADDS } from './wasm/suggested-wasm-threads.js';
export * from './kernel-profile.js';
export * from './wasm/runtime-process-hooks.js';
