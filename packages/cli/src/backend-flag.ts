/**
 * The `--backend` flag shared by every command that computes with tensors.
 *
 * @packageDocumentation
 */
import { BACKEND_CHOICES, initBackend, INTRA_OP_THREADS_VARIABLE, type BackendChoice, type BackendReport } from '@rfm/backend';
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
  help: 'XNNPACK threads when the wasm backend runs (default 1; 2 made an Xception w0.25\ntraining step 1.4x faster on a 2-core machine with nothing else running)',
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

/** A thread count a command suggests for tensorflow when neither `--tf-threads` nor `TF_NUM_INTRAOP_THREADS` sets one. */
export interface TensorflowThreadsSuggestion {
  /** Intra-op threads. */
  readonly threads: number;
  /** Why, for the backend line (e.g. `the choice for a small model (1.6 G multiply-adds per batch)`). */
  readonly reason: string;
}

/**
 * The suggestion that applies: none when `--tf-threads` or `TF_NUM_INTRAOP_THREADS` sets the count
 * (the flag wins over the environment, the environment over a suggestion).
 *
 * @param flagThreads - `--tf-threads` (undefined when absent)
 * @param env - the process environment
 * @param suggestion - the command's suggestion
 * @example
 * ```ts
 * effectiveSuggestion(undefined, {}, { threads: 1, reason: 'the choice for a small model' }); // the suggestion
 * effectiveSuggestion(2, {}, { threads: 1, reason: 'the choice for a small model' }); // undefined
 * ```
 */
export function effectiveSuggestion(
  flagThreads: number | undefined,
  env: NodeJS.ProcessEnv,
  suggestion: TensorflowThreadsSuggestion | undefined,
): TensorflowThreadsSuggestion | undefined {
  return flagThreads === undefined && env[INTRA_OP_THREADS_VARIABLE] === undefined ? suggestion : undefined;
}

/**
 * Starts the backend chosen by `--backend` (default `auto`, or `fallback`), with `--wasm-threads`
 * XNNPACK threads if wasm runs or `--tf-threads` intra-op threads if tensorflow does (else the
 * suggested count, unless `TF_NUM_INTRAOP_THREADS` is set), and prints one line saying which
 * backend runs and why the others were skipped (in the CLI's wording, also in the returned
 * summary).
 *
 * @param f - parsed flags (of a command whose table includes {@link BACKEND_FLAGS}, or not: then `fallback`)
 * @param io - where the line goes (stderr)
 * @param fallback - choice when the flag is absent
 * @param suggestion - tensorflow's thread count when neither the flag nor the environment gives one
 */
export async function startBackend(
  f: Flags,
  io: CliIO,
  fallback: BackendChoice = 'auto',
  suggestion?: TensorflowThreadsSuggestion,
): Promise<BackendReport> {
  const chosen = f.declares('backend') ? f.string<BackendChoice>('backend') : undefined;
  const threads = f.declares('wasm-threads') ? f.number('wasm-threads') : undefined;
  const flagThreads = f.declares('tf-threads') ? f.number('tf-threads') : undefined;
  const suggested = effectiveSuggestion(flagThreads, process.env, suggestion);
  const tensorflowThreads = flagThreads ?? suggested?.threads;
  const library = await initBackend(chosen ?? fallback, {
    ...(threads === undefined ? {} : { threads }),
    ...(tensorflowThreads === undefined ? {} : { tensorflowThreads }),
  });
  // With threads asked for, say how many threads the backend runs (a suggestion only when it runs).
  const tensorflow = library.backend === 'tensorflow';
  const suggestionApplied = suggested !== undefined && library.tensorflowThreads === suggested.threads;
  const asked = (library.backend === 'wasm' && threads !== undefined && threads > 1) || (tensorflow && flagThreads !== undefined) || suggestionApplied;
  const why = suggestionApplied ? `, ${suggested.reason} (--tf-threads N to change)` : '';
  const threaded = asked ? `; ${cliWording(library.detail)}${why}` : '';
  const report = { ...library, summary: cliWording(library.summary) + threaded };
  io.err(`backend: ${report.summary}\n`);
  return report;
}
