/**
 * Run-time backend selection: `auto` tries native TensorFlow (`tfjs-node-gpu`, then `tfjs-node`),
 * then wasm (with the training kernels), then the pure-JS cpu backend, and reports why each one
 * that does not run was skipped.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { errorMessage, firstErrorLine, registerGraphCompiler } from '@rfm/core';
import { resolveInitBackendOptions, type BackendChoice, type InitBackendOptions, type ResolvedInitBackendOptions } from './backend-options.js';
import { BackendUnavailableError, type BackendName } from './errors.js';
import { defaultWasmDir, missingWasmBinaries } from './wasm/wasm-files.js';
import { startWasmModule, withWasmThreads } from './wasm/wasm-threads.js';
import { setHeapGemmThreads } from './wasm/kernels/heap-gemm.js';
import { withoutRuntimeProcessHooks } from './wasm/runtime-process-hooks.js';
import { registerWasmTrainingKernels, registeredWasmTrainingKernels } from './wasm/wasm-training-kernels.js';
import { registerNativeKernelPatches } from './tensorflow/native-kernel-patches.js';
import { INTRA_OP_THREADS_VARIABLE, intraOpThreadsAtLoad, recordIntraOpThreadsAtLoad } from './tensorflow/intra-op-threads.js';
import { recordAddonPatchesAtLoad } from './tensorflow/addon-patches.js';
import { registerReluGrad } from './relu-grad.js';
import { tensorflowGraphCompiler } from './tensorflow/graph-compiler.js';

/**
 * How to build the native TensorFlow addon, as named in messages: the library function. The CLI
 * shows its own command (`rfm backend build-native`) instead.
 */
export const BUILD_NATIVE_COMMAND = 'buildNative() of @rfm/native-build';

/** One backend (or native module) considered by {@link initBackend}. */
export interface BackendCandidate {
  /** Backend it would provide. */
  readonly backend: BackendName;
  /** Package tried (native and wasm backends). */
  readonly module?: string;
  /** `loaded`: running now; `failed`: tried and could not load; `not-tried`: not needed or not requested. */
  readonly status: 'loaded' | 'failed' | 'not-tried';
  /** Why, in a few words (for failures, the fix). */
  readonly reason: string;
  /** Time spent trying, ms (0 when not tried). */
  readonly ms: number;
}

/** What {@link initBackend} started, and what it skipped. */
export interface BackendReport {
  /** The backend now active (`tf.getBackend()`). */
  readonly backend: BackendName;
  /** The package that provides it. */
  readonly module: string;
  /** How it runs, in a few words (e.g. `native TensorFlow addon loaded (1 intra-op thread)`): the loaded candidate's reason. */
  readonly detail: string;
  /**
   * TensorFlow's intra-op thread count when tensorflow runs with one set (`tensorflowThreads` or
   * `TF_NUM_INTRAOP_THREADS` when the addon loaded); absent on TensorFlow's default and on other backends.
   */
  readonly tensorflowThreads?: number;
  /** XNNPACK threads when wasm runs (1 unless `threads` asked for more and they started); absent on other backends. */
  readonly wasmThreads?: number;
  /** What was asked for. */
  readonly requested: BackendChoice;
  /** Every candidate in the order of preference, including the loaded one. */
  readonly candidates: readonly BackendCandidate[];
  /** Kernels added to wasm for training (empty on other backends). */
  readonly trainingKernels: readonly string[];
  /** One line: the chosen backend and why each other one was skipped. */
  readonly summary: string;
}

interface Attempt {
  readonly ok: boolean;
  readonly reason: string;
  /** XNNPACK threads of a wasm module that started. */
  readonly wasmThreads?: number;
}

/**
 * Starts a TensorFlow.js backend and makes it the active one.
 *
 * - `auto`: `@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`, wasm, cpu — the first that loads.
 * - `tensorflow`: the native addon, or a {@link BackendUnavailableError} saying to run
 *   `buildNative()` of `@rfm/native-build`.
 * - `wasm`: loads the `.wasm` binaries from the installed package (single-threaded SIMD build in
 *   Node) and registers the training kernels ({@link registerWasmTrainingKernels}).
 * - `cpu`: the pure-JS backend (slow; for tests and as a last resort).
 *
 * @param choice - which backend
 * @param options - module list, importer (for tests), logger
 * @returns which backend runs and why each other one was skipped
 * @throws {@link BackendUnavailableError} when an explicitly requested backend cannot load
 * @example
 * ```ts
 * const report = await initBackend('auto', { logger: createConsoleLogger('backend') });
 * console.log(report.summary); // "wasm (tfjs-node-gpu: native addon not built (run `buildNative() of @rfm/native-build`); ...)"
 * ```
 */
export async function initBackend(choice: BackendChoice, options: InitBackendOptions = {}): Promise<BackendReport> {
  const o = resolveInitBackendOptions(choice, options);
  const candidates: BackendCandidate[] = [];
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  let chosen: { backend: BackendName; module: string; wasmThreads?: number } | null = null;
  let lastFailure: BackendCandidate | null = null;

  for (const backend of ['tensorflow', 'wasm', 'cpu'] as const) {
    const modules = moduleNames(backend, o);
    if (chosen !== null || !order.includes(backend)) {
      const why = chosen !== null ? `not tried (${chosen.backend} loaded first)` : `not requested (asked for ${choice})`;
      for (const module of modules) candidates.push({ backend, module, status: 'not-tried', reason: why, ms: 0 });
      continue;
    }
    for (const module of modules) {
      if (chosen !== null) {
        candidates.push({ backend, module, status: 'not-tried', reason: `not tried (${chosen.module} loaded first)`, ms: 0 });
        continue;
      }
      const start = performance.now();
      const attempt = await tryBackend(backend, module, o);
      const ms = performance.now() - start;
      const candidate: BackendCandidate = { backend, module, status: attempt.ok ? 'loaded' : 'failed', reason: attempt.reason, ms };
      candidates.push(candidate);
      if (attempt.ok) chosen = attempt.wasmThreads === undefined ? { backend, module } : { backend, module, wasmThreads: attempt.wasmThreads };
      else lastFailure = candidate;
    }
  }

  if (chosen === null) {
    const failure = lastFailure!;
    throw new BackendUnavailableError(
      failure.backend,
      candidates
        .filter((c) => c.status === 'failed')
        .map((c) => `${shortName(c.module)}: ${c.reason}`)
        .join('; '),
    );
  }

  const trainingKernels = chosen.backend === 'wasm' ? registeredWasmTrainingKernels() : [];
  const summary = formatSummary(chosen.backend, candidates);
  const detail = candidates.find((c) => c.status === 'loaded')!.reason;
  const loadedThreads = intraOpThreadsAtLoad();
  const threads = chosen.backend === 'tensorflow' && typeof loadedThreads === 'string' ? { tensorflowThreads: Number(loadedThreads) } : {};
  const wasmThreads = chosen.wasmThreads === undefined ? {} : { wasmThreads: chosen.wasmThreads };
  const report: BackendReport = { backend: chosen.backend, module: chosen.module, detail, ...threads, ...wasmThreads, requested: choice, candidates, trainingKernels, summary };
  o.logger.info(`backend: ${chosen.backend} (${shortName(chosen.module)})`, { requested: choice });
  for (const c of candidates) {
    if (c.status === 'failed') o.logger.info(`skipped ${shortName(c.module)}: ${c.reason}`);
  }
  return report;
}

/**
 * The backends `@rfm/backend` knows, in the order `auto` tries them, with the packages behind them.
 *
 * @param options - the same module list {@link initBackend} would use
 */
export function listBackends(options: Pick<InitBackendOptions, 'nativeModules'> = {}): { backend: BackendName; modules: readonly string[] }[] {
  const o = resolveInitBackendOptions('auto', options);
  return (['tensorflow', 'wasm', 'cpu'] as const).map((backend) => ({ backend, modules: moduleNames(backend, o) }));
}

function moduleNames(backend: BackendName, o: ResolvedInitBackendOptions): readonly string[] {
  switch (backend) {
    case 'tensorflow':
      return o.nativeModules;
    case 'wasm':
      return ['@tensorflow/tfjs-backend-wasm'];
    case 'cpu':
      return ['@tensorflow/tfjs-backend-cpu'];
  }
}

async function tryBackend(backend: BackendName, module: string, o: ResolvedInitBackendOptions): Promise<Attempt> {
  switch (backend) {
    case 'tensorflow':
      return tryNative(module, o);
    case 'wasm':
      return tryWasm(o);
    case 'cpu':
      return tryCpu();
  }
}

/** The backends already initialised by the engine (not merely registered). */
function initialisedBackends(): Record<string, unknown> {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
}

export { INTRA_OP_THREADS_VARIABLE };

/** How many intra-op threads TensorFlow runs, in words. */
function intraOpThreadsText(value: string | null): string {
  return value === null ? "TensorFlow's default intra-op threads, one per core" : `${value} intra-op thread${value === '1' ? '' : 's'}`;
}

async function tryNative(module: string, o: ResolvedInitBackendOptions): Promise<Attempt> {
  if (tf.findBackendFactory('tensorflow') != null) {
    const ok = await tf.setBackend('tensorflow');
    if (ok) extendNativeBackend(module);
    // The count TensorFlow started with stays; say so when another one was asked for.
    const loaded = intraOpThreadsAtLoad();
    const ignored = o.tensorflowThreads !== undefined && loaded !== undefined && String(o.tensorflowThreads) !== loaded;
    const threads = loaded === undefined ? '' : `; ${intraOpThreadsText(loaded)}${ignored ? ', since tensorflowThreads applies only when the addon first loads' : ''}`;
    return ok ? { ok, reason: `already loaded${threads}` } : { ok, reason: 'registered but failed to initialise' };
  }
  // TensorFlow's C++ start-up messages (oneDNN, CPU features) would interleave with progress bars;
  // keep warnings and errors. A value set by the user wins.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '1';
  // TensorFlow reads its thread count when the addon creates its context, on import.
  if (o.tensorflowThreads !== undefined) process.env[INTRA_OP_THREADS_VARIABLE] = String(o.tensorflowThreads);
  try {
    await o.importer(module);
  } catch (e) {
    cleanUpFailedNative();
    return { ok: false, reason: classifyNativeError(module, e) };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    cleanUpFailedNative();
    return { ok: false, reason: 'module loaded but registered no "tensorflow" backend' };
  }
  const loaded = recordIntraOpThreadsAtLoad();
  recordAddonPatchesAtLoad(module);
  const ok = await setBackendQuietly('tensorflow');
  if (ok) extendNativeBackend(module);
  return ok
    ? { ok, reason: `native TensorFlow addon loaded (${intraOpThreadsText(loaded)})` }
    : { ok, reason: 'addon loaded but the backend failed to initialise' };
}

/**
 * A failed tfjs-node import has already registered its kernels for `tensorflow` (its first
 * statement); drop them so the next candidate does not print one warning per kernel.
 */
function cleanUpFailedNative(): void {
  if (tf.findBackendFactory('tensorflow') != null) return;
  for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow');
}

/**
 * Turns a native-module load error into a short reason with the fix.
 *
 * @param module - the module that failed
 * @param e - what it threw
 */
export function classifyNativeError(module: string, e: unknown): string {
  const message = errorMessage(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (/tfjs_binding\.node|native addon/i.test(message)) return `native addon not built (run \`${BUILD_NATIVE_COMMAND}\`)`;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(message)) {
    return `${module} is not installed (optional dependency; run \`${BUILD_NATIVE_COMMAND}\`)`;
  }
  if (/libcud|cuda|cudnn/i.test(message)) return `CUDA libraries missing (${firstErrorLine(message)})`;
  return `failed to load (${firstErrorLine(message)}; run \`${BUILD_NATIVE_COMMAND}\`)`;
}

async function tryWasm(o: ResolvedInitBackendOptions): Promise<Attempt> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm cannot be imported (${firstErrorLine(e)})` };
  }
  let note = '';
  if (initialisedBackends()['wasm'] === undefined) {
    const dir = o.wasmDir ?? defaultWasmDir();
    const missing = missingWasmBinaries(dir);
    if (missing.length > 0) return { ok: false, reason: `wasm binaries missing in ${dir}: ${missing.join(', ')}` };
    wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    // The Emscripten glue's process listeners would print the whole glue on any later error.
    const start = (threads: number): Promise<boolean> => {
      if (threads > 1) return withWasmThreads(threads, wasm.setThreadsCount, () => setBackendQuietly('wasm'));
      wasm.setThreadsCount(1);
      return setBackendQuietly('wasm');
    };
    const { result: started } = await withoutRuntimeProcessHooks(() => startWasmModule(o.threads, o.threadsFallback, start));
    if (!started.ok) {
      const why = started.thrown === undefined ? '' : ` (${started.thrown})`;
      return { ok: false, reason: `the wasm module failed to initialise${o.threads > 1 ? ` with ${o.threads} threads${why} (try threads: 1)` : why}` };
    }
    if (started.fallbackReason !== undefined) note = `; ${started.fallbackReason}`;
  } else if (!(await setBackendQuietly('wasm'))) {
    return { ok: false, reason: 'the wasm module failed to initialise' };
  }
  if (o.trainingKernels) {
    setHeapGemmThreads(wasm.getThreadsCount());
    registerWasmTrainingKernels();
    // ReLU's gradient from its output (one activation less kept per ReLU; tfjs' formula off tensorflow).
    registerReluGrad();
  }
  const threads = wasm.getThreadsCount();
  return {
    ok: true,
    wasmThreads: threads,
    reason: `WebAssembly (XNNPACK, ${threads} thread${threads === 1 ? '' : 's'}${note})${o.trainingKernels ? ' with training kernels' : ''}`,
  };
}

async function tryCpu(): Promise<Attempt> {
  await import('@tensorflow/tfjs-backend-cpu');
  const ok = await tf.setBackend('cpu');
  return ok ? { ok, reason: 'pure JavaScript (slow)' } : { ok, reason: 'the cpu backend failed to initialise' };
}

/** `tf.setBackend` logs a warning and returns false on failure; keep the boolean only. */
async function setBackendQuietly(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok;
  } catch {
    return false;
  }
}

function formatSummary(backend: BackendName, candidates: readonly BackendCandidate[]): string {
  const others = candidates.filter((c) => c.status !== 'loaded').map((c) => `${shortName(c.module)}: ${c.reason}`);
  return others.length === 0 ? backend : `${backend} (${others.join('; ')})`;
}

function shortName(module: string | undefined): string {
  return (module ?? '').replace(/^@tensorflow\//, '');
}

/**
 * What rfm.js adds to a started native backend: its kernel patches (numeric-padding max pools and
 * the rest, native-kernel-patches.ts) and its graph compiler (FAM passes as one graph).
 */
function extendNativeBackend(module: string): void {
  registerNativeKernelPatches();
  registerGraphCompiler('tensorflow', tensorflowGraphCompiler(module));
}

