/**
 * Helpers shared by the benchmark suites: JSON-lines output, medians, flag parsing and backend start.
 */
import { initBackend, type InitBackendOptions } from '../packages/backend/src/index.js';
import { errorMessage } from '../packages/core/src/index.js';
import { knownModels, modelCase, type ModelCase } from './models.js';

/**
 * Arguments a suite cannot run with (an unknown model, a count that is not a positive integer):
 * `pnpm bench` prints the message alone and exits with status 2.
 */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** Prints one JSON line on stdout. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Reads `--name value` from argv (undefined when absent). */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * `--tf-threads N` of a suite's arguments: TensorFlow's intra-op threads for `initBackend`'s
 * `tensorflowThreads` (undefined when absent: TensorFlow keeps its own count).
 *
 * @param argv - the suite's arguments
 */
export function tensorflowThreadsFlag(argv: readonly string[]): number | undefined {
  return countFlag(argv, '--tf-threads');
}

/**
 * `--wasm-threads N` of a suite's arguments: wasm's XNNPACK threads for `initBackend`'s `threads`
 * (undefined when absent: one thread).
 *
 * @param argv - the suite's arguments
 */
export function wasmThreadsFlag(argv: readonly string[]): number | undefined {
  return countFlag(argv, '--wasm-threads');
}

/**
 * A positive integer flag (`--reps 5`), undefined when absent.
 *
 * @param argv - the suite's arguments
 * @param name - the flag, with its dashes
 * @throws BenchUsageError when the value is not a positive integer
 */
export function countFlag(argv: readonly string[], name: string): number | undefined {
  const value = flagValue(argv, name);
  return value === undefined ? undefined : countValue(name, value);
}

/**
 * One positive integer given to `name` (a flag's value, or one item of a list flag).
 *
 * @param name - the flag, with its dashes, for the message
 * @param value - the text given
 * @throws BenchUsageError when the value is not a positive integer
 */
export function countValue(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new BenchUsageError(`${name} must be a positive integer, got "${value}"`);
  return n;
}

/** The arguments of the suites that run named models on several backends. */
export interface ModelSuiteArgs {
  /** `--models`: the models named (default `small,xception`). */
  readonly models: ModelCase[];
  /** `--reps`: timed repetitions per case. */
  readonly reps: number;
  /** `--backends` (or `--backend`): backends to start in turn. */
  readonly backends: string[];
  /** `--tf-threads`, if given. */
  readonly tensorflowThreads: number | undefined;
  /** `--wasm-threads`, if given. */
  readonly wasmThreads: number | undefined;
}

/**
 * Reads {@link ModelSuiteArgs} from a suite's arguments.
 *
 * @param argv - the suite's arguments
 * @param defaults - the suite's repetitions and backends when the flags are absent
 * @throws BenchUsageError for an unknown model or a count that is not a positive integer
 */
export function modelSuiteArgs(argv: readonly string[], defaults: { readonly reps: number; readonly backends: string }): ModelSuiteArgs {
  const value = (name: string): string | undefined => flagValue(argv, name);
  return {
    models: (value('--models') ?? 'small,xception').split(',').map((key) => {
      const model = modelCase(key);
      if (model === undefined) throw new BenchUsageError(`unknown model "${key}"; known: ${knownModels()}`);
      return model;
    }),
    reps: countFlag(argv, '--reps') ?? defaults.reps,
    backends: (value('--backends') ?? value('--backend') ?? defaults.backends).split(','),
    tensorflowThreads: tensorflowThreadsFlag(argv),
    wasmThreads: wasmThreadsFlag(argv),
  };
}

/**
 * The `threads` field of a result line: wasm's XNNPACK threads (1 by default), or tensorflow's
 * when `--tf-threads` set them (absent otherwise: TensorFlow's own count).
 *
 * @param backend - the backend that runs
 * @param tensorflowThreads - `--tf-threads`, if given
 * @param wasmThreads - `--wasm-threads`, if given
 */
export function threadsField(backend: string, tensorflowThreads: number | undefined, wasmThreads: number | undefined): { threads?: number } {
  if (backend === 'wasm') return { threads: wasmThreads ?? 1 };
  return backend === 'tensorflow' && tensorflowThreads !== undefined ? { threads: tensorflowThreads } : {};
}

/**
 * Starts a backend for a suite and prints its `{"bench":"backend"}` line; on failure prints the
 * reason as `unavailable` and returns `undefined`, so the suite moves on to the next backend.
 *
 * @param requested - backend name asked for (`wasm`, `tensorflow`, `cpu`, ...)
 * @param options - `initBackend` options (thread counts)
 * @returns the backend that runs, or `undefined`
 */
export async function startBenchBackend(requested: string, options: InitBackendOptions = {}): Promise<string | undefined> {
  try {
    const report = await initBackend(requested as 'wasm', options);
    emit({ bench: 'backend', backend: report.backend, summary: report.summary, detail: report.detail });
    return report.backend;
  } catch (e) {
    emit({ bench: 'backend', backend: requested, unavailable: errorMessage(e) });
    return undefined;
  }
}
