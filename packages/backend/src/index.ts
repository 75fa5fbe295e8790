/**
 * `@rfm/backend`: TensorFlow.js backend selection (native TensorFlow, wasm, cpu) and the kernels
 * that make the wasm backend trainable.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './backend-options.js';
export * from './init-backend.js';
export * from './wasm-files.js';
export * from './wasm-training-kernels.js';
export * from './kernel-profile.js';
export * from './runtime-process-hooks.js';
export * from './native/index.js';
