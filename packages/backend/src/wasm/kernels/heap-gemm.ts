/**
 * Matrix products on the wasm heap with rfm.js' relaxed-SIMD GEMM (`simd/gemm.wat`): register
 * tiles of 4 x 8 with fused multiply-adds (`f32x4.relaxed_madd`), which XNNPACK's 128-bit kernels
 * in tfjs-backend-wasm 4.22.0 do not use, over blocks of 128 rows of B packed 8 columns at a time.
 * Measured on this project's 2-core AVX-512 machine, one thread, on the GEMM shapes of an Xception width-0.25 step at 128 px (docs/memory-and-speed.md):
 * 37-41 GFLOP/s against XNNPACK's 1x1 convolution at 16-25 GFLOP/s (1.4x over the step's forward
 * shapes, 1.7x over its filter-gradient shapes, whose left operand the kernel reads transposed
 * band by band instead of transposing it first).
 *
 * Used by the wasm backend's convolutions (`gemm-conv.ts`: forward, with bias and ReLU) and by the
 * GEMMs of the convolution gradients when all of these hold; otherwise XNNPACK runs as before:
 * - the runtime validates relaxed SIMD: on by default from V8 11.4 (Chrome 114, Node 22); Node 20
 *   (V8 11.3) has it behind `--experimental-wasm-relaxed-simd`, which is set here at run time;
 * - the heap is reachable and rfm.js' SIMD kernels are on (`useSimdKernels`);
 * - on the threaded build (`initBackend('wasm', { threads })`, `threads > 1`), Node worker threads
 *   can start on the shared heap ({@link GemmWorkers}): the GEMM then splits C's rows among
 *   `threads` threads. In a browser the threaded build keeps XNNPACK's thread pool.
 *
 * A fused multiply-add rounds once where XNNPACK rounds twice, and the sum over the shared
 * dimension runs in blocks of 128: results differ from XNNPACK's in the last bits (the backend
 * parity suite and the FAM oracle hold at their tolerances). Where the hardware has no FMA,
 * `relaxed_madd` may round twice; either way a machine always computes the same numbers.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { gemmWasm } from '../simd/gemm.generated.js';
import { heapIsShared, heapMemory, heapModule, heapOffset, moduleBytes, type WasmHeapBackend } from '../simd/heap-module.js';
import { nodeBuiltin } from '../node-builtin.js';
import { GemmWorkers, type GemmArguments } from './gemm-workers.js';

/** Rows of B per block of the sum (`KB` of simd/gemm.wat): each block is packed into scratch space first. */
const BLOCK_ROWS = 128;

/** Options of {@link heapGemm}. */
export interface HeapGemmOptions {
  /** `a` is stored `[k, m]` and used transposed (no transposed copy: 4 rows at a time are packed into scratch space). */
  readonly transposeA?: boolean;
  /** Added to every row of the product (`[n]`). */
  readonly bias?: tf.TensorInfo;
  /** Clamp the result at 0 after the bias. */
  readonly relu?: boolean;
  /** Shape of the output (of `m · n` elements); default `[m, n]`. */
  readonly outShape?: readonly number[];
}

/** Whether this runtime validates relaxed SIMD (after setting Node's flag if needed); checked once. */
let relaxedSimd: boolean | undefined;

function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== undefined) return relaxedSimd;
  const bytes = moduleBytes(gemmWasm.plain);
  relaxedSimd = WebAssembly.validate(bytes);
  if (!relaxedSimd) {
    const v8 = nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
    if (v8 !== undefined) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxedSimd = WebAssembly.validate(bytes);
    }
  }
  return relaxedSimd;
}

/** Threads for the GEMM on the threaded build (set by `initBackend` from its `threads`); 1 = none. */
let gemmThreads = 1;
/** The worker threads of the threaded build's heap, started on first use (null: cannot start). */
const workersByMemory = new WeakMap<WebAssembly.Memory, GemmWorkers | null>();

/**
 * Sets how many threads compute the GEMM on the threaded wasm build (`initBackend` passes its
 * `threads`). With 1, the threaded build keeps XNNPACK's convolutions instead.
 *
 * @param threads - threads including the calling one
 */
export function setHeapGemmThreads(threads: number): void {
  gemmThreads = threads;
}

/**
 * Whether {@link heapGemm} runs on `backend` (see the module comment for the conditions).
 *
 * @param backend - the active wasm backend
 */
export function heapGemmAvailable(backend: WasmHeapBackend): boolean {
  return gemmRunner(backend) !== null;
}

/** Runs one GEMM, split into row parts over the calling thread and the workers where there are any. */
type GemmRunner = (args: GemmArguments) => void;

function gemmRunner(backend: WasmHeapBackend): GemmRunner | null {
  if (!relaxedSimdAvailable()) return null;
  const exports = heapModule(gemmWasm, backend);
  if (exports === null) return null;
  const gemm = exports['gemm'] as (...args: GemmArguments) => void;
  if (!heapIsShared(backend)) return (args) => gemm(...args);
  const memory = heapMemory(backend)!;
  if (!workersByMemory.has(memory)) workersByMemory.set(memory, gemmThreads > 1 ? GemmWorkers.start(gemmThreads - 1, memory, moduleBytes(gemmWasm.shared)) : null);
  const workers = workersByMemory.get(memory);
  return workers == null ? null : (args) => workers.run(rowParts(args, workers.threads), gemm);
}

/**
 * Splits a GEMM into up to `threads` GEMMs over consecutive bands of rows of C (multiples of 4
 * rows, the tile height), each with its own share of the scratch space.
 */
function rowParts(args: GemmArguments, threads: number): GemmArguments[] {
  const [a, b, c, m, k, n, rowStride, stepStride, bias, relu, scratch] = args;
  const bands = Math.ceil(m / 4);
  const parts = Math.min(threads, bands);
  const scratchBytes = scratchFloats(k, n) * 4;
  return Array.from({ length: parts }, (_, t): GemmArguments => {
    const first = Math.floor((bands * t) / parts) * 4;
    const last = Math.min(m, Math.floor((bands * (t + 1)) / parts) * 4);
    return [a + first * rowStride * 4, b, c + first * n * 4, last - first, k, n, rowStride, stepStride, bias, relu, scratch + t * scratchBytes];
  });
}

/** Floats of a packed band of A (4 rows x {@link BLOCK_ROWS} steps; simd/gemm.wat puts B's block 2,048 bytes on). */
const A_BAND_FLOATS = 4 * BLOCK_ROWS;

/**
 * Scratch floats one thread needs: a packed band of 4 rows of A over one block of the sum (512
 * floats, used when A is read transposed), then one packed block of B's 8-column blocks.
 */
export const scratchFloats = (k: number, n: number): number => A_BAND_FLOATS + Math.min(k, BLOCK_ROWS) * (n & ~7);

/**
 * `a · b` (`[m, k] · [k, n]`, float32, both on `backend`'s heap), plus `bias` and a ReLU if asked,
 * into a new output; null when the relaxed-SIMD GEMM cannot run (the caller then uses XNNPACK).
 *
 * @param backend - the active wasm backend
 * @param a - `[m, k]`, or `[k, m]` with `transposeA`
 * @param b - `[k, n]`
 * @param dims - `m`, `k` and `n`
 * @param options - transposition, bias, ReLU and output shape
 * @returns the output's tensor info (owned by the caller), or null
 */
export function heapGemm(
  backend: WasmHeapBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  dims: { readonly m: number; readonly k: number; readonly n: number },
  options: HeapGemmOptions = {},
): tf.TensorInfo | null {
  const run = gemmRunner(backend);
  if (run === null || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const { m, k, n } = dims;
  const out = backend.makeOutput([...(options.outShape ?? [m, n])], 'float32');
  const [rowStride, stepStride] = options.transposeA === true ? [1, m] : [k, 1];
  const bias = options.bias === undefined ? 0 : heapOffset(backend, options.bias);
  // A packed band of A and a packed block of B per thread (allocated after the output: a heap
  // growth moves nothing, offsets stay valid).
  const packed = scratchFloats(k, n) * (heapIsShared(backend) ? gemmThreads : 1);
  let scratch: tf.Tensor | undefined;
  try {
    scratch = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([packed], 'float32'));
    run([heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), m, k, n, rowStride, stepStride, bias, options.relu === true ? 1 : 0, heapOffset(backend, scratch)]);
  } catch (error) {
    // A failed worker or allocation: nothing half-computed stays allocated.
    tf.engine().makeTensorFromTensorInfo(out).dispose();
    throw error;
  } finally {
    scratch?.dispose();
  }
  return out;
}

/**
 * {@link heapGemm} on tensors of the active wasm backend: `a · b`, or `aᵀ · b` with `transposeA`;
 * null when the relaxed-SIMD GEMM cannot run.
 *
 * @param a - `[m, k]`, or `[k, m]` with `transposeA`
 * @param b - `[k, n]`
 * @param transposeA - use `a` transposed (no transposed copy: read band by band)
 * @returns `[m, n]`, owned by the caller, or null
 */
export function heapMatMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false): tf.Tensor2D | null {
  if (tf.getBackend() !== 'wasm') return null;
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const out = heapGemm(tf.backend() as unknown as WasmHeapBackend, a, b, { m, k, n: b.shape[1] }, { transposeA });
  return out === null ? null : (tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D);
}
