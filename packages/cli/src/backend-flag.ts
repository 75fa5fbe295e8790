/**
 * The `--backend` flag shared by every command that computes with tensors.
 *
 * @packageDocumentation
 */
import { BACKEND_CHOICES, initBackend, INTRA_OP_THREADS_VARIABLE, type BackendChoice, type BackendReport } from '@rfm/backend';
import { describeCompiledPassFallback, onCompiledPassFallback } from '@rfm/core';
import { cliWording } from './cli-wording.js';
import type { CliIO } from './command.js';
import type { Flags, FlagSpec } from './flags.js';

/** The `--backend` flag. */
export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  kind: 'choice',
  value: 'B',
  choices: BACKEND_CHOICES,
  help: 'auto (default: tensorflow if its native addon is built, else wasm, else cpu) | tensorflow | wasm | cpu',
};

/**
 * The `--wasm-threads` flag: XNNPACK threads of the wasm backend (`initBackend`'s `threads`). The
 * CLI ends every command with `process.exit`, so the pthread workers never keep it alive.
 */
export const WASM_THREADS_FLAG: FlagSpec = {
  name: 'wasm-threads',
  kind: 'int',
  value: 'N',
  min: 1,
  max: 64,
  help: "XNNPACK threads when the wasm backend runs (default 1; train, compare, fam, erase, eval and\npredict: one per core for a model of 2.5 G multiply-adds per batch or more, such as the paper\npreset's, whose training step ran 1.6-1.7x faster on 2 threads of a 2-core machine and its\nforward pass on one image 1.3x; Xception w0.25 at 128 px ran no faster)",
};

/**
 * The `--tf-threads` flag: intra-op threads of native TensorFlow (`initBackend`'s
 * `tensorflowThreads`).
 */
export const TENSORFLOW_THREADS_FLAG: FlagSpec = {
  name: 'tf-threads',
  kind: 'int',
  value: 'N',
  min: 1,
  max: 64,
  help: "TensorFlow's intra-op threads when the tensorflow backend runs (default: one per core;\ntrain and compare: 1 for a model under 4 G multiply-adds per batch, such as the quick\npreset's or Xception w0.25 at 128 px, whose steps ran 1.2-1.4x faster on 1 thread of a 2-core\nmachine; a full Xception 224 px step ran 1.3-2.1x slower there)",
};

/** `--backend`, `--wasm-threads` and `--tf-threads`, for the flag table of a command that computes with tensors. */
export const BACKEND_FLAGS: readonly FlagSpec[] = [BACKEND_FLAG, WASM_THREADS_FLAG, TENSORFLOW_THREADS_FLAG];

/** A thread count a command suggests for one backend, with the reason the backend line gives. */
export interface ThreadCountSuggestion {
  /** Threads (TensorFlow's intra-op threads, or wasm's XNNPACK threads). */
  readonly threads: number;
  /** Why, for the backend line (e.g. `the choice for a small model (1.6 G multiply-adds per batch)`). */
  readonly reason: string;
}

/** The thread counts a command suggests, per backend: each applies only where that backend runs. */
export interface ThreadsSuggestion {
  /** For tensorflow, unless `--tf-threads` or `TF_NUM_INTRAOP_THREADS` sets the count. */
  readonly tensorflow?: ThreadCountSuggestion;
  /** For wasm, unless `--wasm-threads` sets the count. */
  readonly wasm?: ThreadCountSuggestion;
}

/**
 * The tensorflow suggestion that applies: none when `--tf-threads` or `TF_NUM_INTRAOP_THREADS` sets
 * the count (the flag wins over the environment, the environment over a suggestion).
 *
 * @param flagThreads - `--tf-threads` (undefined when absent)
 * @param env - the process environment
 * @param suggestion - the command's suggestion for tensorflow
 * @example
 * ```ts
 * effectiveSuggestion(undefined, {}, { threads: 1, reason: 'the choice for a small model' }); // the suggestion
 * effectiveSuggestion(2, {}, { threads: 1, reason: 'the choice for a small model' }); // undefined
 * ```
 */
export function effectiveSuggestion(
  flagThreads: number | undefined,
  env: NodeJS.ProcessEnv,
  suggestion: ThreadCountSuggestion | undefined,
): ThreadCountSuggestion | undefined {
  return flagThreads === undefined && env[INTRA_OP_THREADS_VARIABLE] === undefined ? suggestion : undefined;
}

/** A backend to start and the thread counts asked for it (undefined: none asked). */
export interface BackendRequest {
  /** `auto`, `tensorflow`, `wasm` or `cpu`. */
  readonly choice: BackendChoice;
  /** XNNPACK threads asked for (`--wasm-threads`). */
  readonly wasmThreads?: number;
  /** TensorFlow intra-op threads asked for (`--tf-threads`). */
  readonly tensorflowThreads?: number;
}

/**
 * Starts a backend with the thread counts asked for, or else the suggested ones (for tensorflow
 * unless `TF_NUM_INTRAOP_THREADS` is set; for wasm with one thread instead if the threaded module
 * cannot start), and says which backend runs, why the others were skipped and, when threads were
 * asked for or suggested, how many run and why (in the CLI's wording).
 *
 * @param request - the backend and the thread counts asked for
 * @param suggestion - thread counts per backend for when the request (nor, for tensorflow, the environment) gives none
 * @param flagHints - end a suggestion's reason with the flag that changes it (`(--wasm-threads N to change)`); off for workers, which take no such flag
 * @returns the backend's report, its `summary` being that line
 * @example
 * ```ts
 * const report = await startRequestedBackend({ choice: 'wasm' }, modelThreadsSuggestion(config), false);
 * console.log(report.summary); // wasm (...); WebAssembly (XNNPACK, 2 threads) with training kernels, one per core, ...
 * ```
 */
export async function startRequestedBackend(request: BackendRequest, suggestion: ThreadsSuggestion = {}, flagHints = true): Promise<BackendReport> {
  const wasmSuggested = request.wasmThreads === undefined ? suggestion.wasm : undefined;
  const threads = request.wasmThreads ?? wasmSuggested?.threads;
  const suggested = effectiveSuggestion(request.tensorflowThreads, process.env, suggestion.tensorflow);
  const tensorflowThreads = request.tensorflowThreads ?? suggested?.threads;
  const library = await initBackend(request.choice, {
    ...(threads === undefined ? {} : { threads, threadsFallback: wasmSuggested !== undefined }),
    ...(tensorflowThreads === undefined ? {} : { tensorflowThreads }),
  });
  // With threads asked for, say how many threads the backend runs (a suggestion only when it runs).
  const tensorflow = library.backend === 'tensorflow';
  const suggestionApplied = suggested !== undefined && library.tensorflowThreads === suggested.threads;
  const wasmSuggestionApplied = wasmSuggested !== undefined && library.wasmThreads === wasmSuggested.threads;
  const wasmAsked = library.backend === 'wasm' && threads !== undefined && threads > 1;
  const asked = wasmAsked || (tensorflow && request.tensorflowThreads !== undefined) || suggestionApplied;
  const hint = (flag: string): string => (flagHints ? ` (${flag} N to change)` : '');
  const why = suggestionApplied
    ? `, ${suggested.reason}${hint('--tf-threads')}`
    : wasmSuggestionApplied
      ? `, ${wasmSuggested.reason}${hint('--wasm-threads')}`
      : '';
  const threaded = asked ? `; ${cliWording(library.detail)}${why}` : '';
  return { ...library, summary: cliWording(library.summary) + threaded };
}

/** Removes the fallback listener of the last {@link startBackend}. */
let stopFallbackNotes: (() => void) | undefined;

/**
 * Starts the backend chosen by `--backend` (default `auto`, or `fallback`), with `--wasm-threads`
 * XNNPACK threads if wasm runs or `--tf-threads` intra-op threads if tensorflow does (else the
 * suggested count, see {@link startRequestedBackend}), and prints one line saying which backend
 * runs and why the others were skipped (also in the returned summary). From then on, a compiled
 * pass (FAM, scoring, CAM) that falls back to eager runs prints one `note:` line to the same
 * stream, in place of the previous command's listener.
 *
 * @param f - parsed flags (of a command whose table includes {@link BACKEND_FLAGS}, or not: then `fallback`)
 * @param io - where the line goes (stderr)
 * @param fallback - choice when the flag is absent
 * @param suggestion - thread counts per backend for when no flag (nor, for tensorflow, the environment) gives one
 */
export async function startBackend(
  f: Flags,
  io: CliIO,
  fallback: BackendChoice = 'auto',
  suggestion: ThreadsSuggestion = {},
): Promise<BackendReport> {
  const wasmThreads = f.declares('wasm-threads') ? f.number('wasm-threads') : undefined;
  const tensorflowThreads = f.declares('tf-threads') ? f.number('tf-threads') : undefined;
  const request: BackendRequest = {
    choice: (f.declares('backend') ? f.string<BackendChoice>('backend') : undefined) ?? fallback,
    ...(wasmThreads === undefined ? {} : { wasmThreads }),
    ...(tensorflowThreads === undefined ? {} : { tensorflowThreads }),
  };
  const report = await startRequestedBackend(request, suggestion);
  io.err(`backend: ${report.summary}\n`);
  stopFallbackNotes?.();
  stopFallbackNotes = onCompiledPassFallback((f) => io.err(`note: ${describeCompiledPassFallback(f)}\n`));
  return report;
}
