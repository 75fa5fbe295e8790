/**
 * Multi-threaded XNNPACK for the wasm backend in Node. tfjs-backend-wasm 4.22.0 turns threads off in
 * Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false when `IS_NODE`) because its threaded loader hands
 * emscripten a `blob:` URL for the pthread worker, which Node's `worker_threads` cannot load. This
 * shim, applied only while the backend initialises, does not touch `node_modules`:
 *
 * 1. writes the worker source (`wasmWorkerContents` of `wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`)
 *    to a temporary `.cjs` file, with its `urlOrBlob` branch replaced by a plain
 *    `importScripts(<the threaded module's path>)` and its newlines re-escaped (as tfjs does);
 * 2. makes `URL.createObjectURL` return that file for `application/javascript` blobs;
 * 3. reports `2n` CPUs through `os.cpus()`, since tfjs' C++ caps XNNPACK at half the logical cores;
 * 4. sets `WASM_HAS_MULTITHREAD_SUPPORT` and `setThreadsCount(n)`.
 *
 * The pthread workers keep the event loop alive: a script must end with `process.exit()`.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { firstErrorLine } from '@rfm/core';

/** The worker's original loading branch, replaced by a direct `importScripts`. */
const URL_OR_BLOB_BRANCH =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/**
 * Writes the patched pthread worker file (once per content) and returns its path.
 *
 * @throws Error when the installed tfjs-backend-wasm has a different worker than 4.22.0's
 */
export function writeThreadedWorker(): string {
  const require = createRequire(import.meta.url);
  const threadedJs = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  if (!wasmWorkerContents.includes(URL_OR_BLOB_BRANCH)) {
    throw new Error('the pthread worker of this @tensorflow/tfjs-backend-wasm version is not the 4.22.0 one this shim patches');
  }
  const source = wasmWorkerContents.replace(URL_OR_BLOB_BRANCH, `importScripts(${JSON.stringify(threadedJs)});`).replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const path = join(os.tmpdir(), `rfm-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(path)) writeFileSync(path, source);
  return path;
}

/**
 * Runs `init` (which must initialise the wasm backend) with the shim in place, then removes the
 * global patches again, `WASM_HAS_MULTITHREAD_SUPPORT` included (tfjs reads it only while it
 * initialises, so a later single-threaded start gets the single-threaded module). The backend keeps
 * its worker threads.
 *
 * @param threads - XNNPACK threads (>= 2)
 * @param setThreadsCount - `setThreadsCount` of the loaded tfjs-backend-wasm
 * @param init - initialises the backend; resolves to whether it worked
 */
export async function withWasmThreads(threads: number, setThreadsCount: (n: number) => void, init: () => Promise<boolean>): Promise<boolean> {
  const workerPath = writeThreadedWorker();
  const nodeOs = createRequire(import.meta.url)('node:os') as { cpus: () => os.CpuInfo[] };
  const cpus = nodeOs.cpus;
  const createObjectURL = URL.createObjectURL;
  nodeOs.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };
  URL.createObjectURL = (obj: Blob | MediaSource): string =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerPath : createObjectURL(obj);
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    return await init();
  } finally {
    nodeOs.cpus = cpus;
    URL.createObjectURL = createObjectURL;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', multithread);
  }
}

/** How {@link startWasmModule} started the wasm module. */
export interface WasmModuleStart {
  /** Whether a module started. */
  readonly ok: boolean;
  /** XNNPACK threads of the module that started (or was last tried). */
  readonly threads: number;
  /** Why the threaded module did not start, when the single-threaded one started instead. */
  readonly fallbackReason?: string;
  /** When no module started because the start threw: the first line of its message. */
  readonly thrown?: string;
}

/**
 * Starts the wasm module with `threads` XNNPACK threads. With `fallback`, a threaded module that
 * fails (or throws) gives way to the single-threaded one: for a thread count rfm.js suggested,
 * which must never cost a run its backend. A start that throws is reported as a failure with the
 * first line of its message, never rethrown.
 *
 * @param threads - XNNPACK threads asked for
 * @param fallback - start one thread instead when more fail
 * @param start - starts the module with the given threads; resolves to whether it worked
 * @example
 * ```ts
 * const r = await startWasmModule(2, true, (n) => initWasm(n)); // { ok: true, threads: 2 }
 * ```
 */
export async function startWasmModule(threads: number, fallback: boolean, start: (threads: number) => Promise<boolean>): Promise<WasmModuleStart> {
  const attempt = async (n: number): Promise<{ ok: boolean; thrown?: string }> => {
    try {
      return { ok: await start(n) };
    } catch (e) {
      return { ok: false, thrown: firstErrorLine(e) };
    }
  };
  const first = await attempt(threads);
  if (first.ok) return { ok: true, threads };
  if (!fallback || threads === 1) return { threads, ...first };
  const single = await attempt(1);
  if (!single.ok) return { threads: 1, ...single };
  return { ok: true, threads: 1, fallbackReason: `${threads} threads did not start (${first.thrown ?? 'the module failed to initialise'})` };
}
