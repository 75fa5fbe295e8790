/**
 * Runs rfm.js' own WebAssembly kernels on the wasm backend's heap. A kernel module imports the
 * backend's `WebAssembly.Memory`, so it reads and writes tensors where tfjs keeps them: no copy in
 * or out. Modules are instantiated once per memory. Each module comes in two forms: importing a
 * plain memory (the single-threaded build) and a shared one (the threaded build, whose heap is a
 * `SharedArrayBuffer`; the kernels run on the calling thread while XNNPACK's workers wait). On a
 * backend without a reachable memory {@link heapModule} returns null and the kernels keep their
 * composite versions.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** What these kernels use of tfjs-backend-wasm's `BackendWasm`. */
export interface WasmHeapBackend {
  /** The Emscripten module: its memory is exported (`asm.memory`, single-threaded build) or imported (`wasmMemory`, threaded build). */
  readonly wasm: { readonly asm?: { readonly memory?: WebAssembly.Memory }; readonly wasmMemory?: WebAssembly.Memory };
  readonly dataIdMap: { get(dataId: tf.DataId): { readonly memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** A kernel module's bytes as base64 (a `*.generated.ts` constant), for each kind of memory. */
export interface HeapModuleSource {
  /** Importing a plain memory. */
  readonly plain: string;
  /** Importing a shared memory. */
  readonly shared: string;
}

const modules = new WeakMap<WebAssembly.Memory, Map<string, WebAssembly.Exports>>();

/** Whether the kernels may use their SIMD modules (off: their composite or JavaScript forms run). */
let enabled = true;

/**
 * Turns rfm.js' WebAssembly SIMD kernels on or off (for comparisons and for testing the forms the
 * kernels fall back to). On by default.
 *
 * @param on - whether the SIMD modules run
 * @returns the previous setting
 */
export function useSimdKernels(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/**
 * The exports of `source` instantiated on `backend`'s heap, or null when the backend's memory is
 * not reachable or the SIMD kernels are off ({@link useSimdKernels}).
 *
 * @param source - the module, both forms
 * @param backend - the active wasm backend
 */
export function heapModule(source: HeapModuleSource, backend: WasmHeapBackend): WebAssembly.Exports | null {
  if (!enabled || !heapReachable(backend)) return null;
  const memory = heapMemory(backend)!;
  const base64 = heapIsShared(backend) ? source.shared : source.plain;
  let byMemory = modules.get(memory);
  if (byMemory === undefined) {
    byMemory = new Map();
    modules.set(memory, byMemory);
  }
  let exports = byMemory.get(base64);
  if (exports === undefined) {
    const module = new WebAssembly.Module(moduleBytes(base64));
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    byMemory.set(base64, exports);
  }
  return exports;
}

/**
 * A generated module's bytes (from its base64 form).
 *
 * @param base64 - `plain` or `shared` of a {@link HeapModuleSource}
 */
export function moduleBytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

/**
 * Whether `backend`'s heap is a shared memory (the threaded build, which runs XNNPACK's thread pool).
 *
 * @param backend - the active wasm backend
 */
export function heapIsShared(backend: WasmHeapBackend): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && heapMemory(backend)?.buffer instanceof SharedArrayBuffer;
}

/**
 * Whether `backend`'s heap is reachable from JavaScript (so that kernels may read and write tensors
 * in place through {@link heapFloat32}).
 *
 * @param backend - the active wasm backend
 */
export function heapReachable(backend: WasmHeapBackend): boolean {
  return heapMemory(backend) instanceof WebAssembly.Memory;
}

/**
 * The backend's `WebAssembly.Memory`, if reachable.
 *
 * @param backend - the active wasm backend
 */
export function heapMemory(backend: WasmHeapBackend): WebAssembly.Memory | undefined {
  return backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
}

/**
 * A float64 view of `length` doubles at a tensor's data (taken fresh: a heap growth detaches older views).
 *
 * @param backend - the wasm backend
 * @param info - a tensor holding `length` doubles from byte `shift` of its data
 * @param length - number of doubles
 * @param shift - bytes from the start of the data to the first double (to reach an 8-byte boundary)
 */
export function heapFloat64(backend: WasmHeapBackend, info: tf.TensorInfo, length: number, shift = 0): Float64Array {
  return new Float64Array(heapMemory(backend)!.buffer, heapOffset(backend, info) + shift, length);
}

/**
 * A float32 view of a tensor's data (taken fresh: a heap growth detaches older views).
 *
 * @param backend - the wasm backend
 * @param info - a float32 tensor
 */
export function heapFloat32(backend: WasmHeapBackend, info: tf.TensorInfo): Float32Array {
  return new Float32Array(heapMemory(backend)!.buffer, heapOffset(backend, info), tf.util.sizeFromShape(info.shape));
}

/**
 * Byte offset of a tensor's data on the wasm heap.
 *
 * @param backend - the wasm backend
 * @param info - a tensor it holds
 */
export function heapOffset(backend: WasmHeapBackend, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error(`tensor ${String(info.dataId)} is not on the wasm heap`);
  return data.memoryOffset;
}
