/**
 * The TensorFlow.js backend of a worker process, started once (with the thread counts its first
 * job's model suggests, on the worker's share of the cores) and switched only when a job asks for
 * another one.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { BACKEND_CHOICES, type BackendChoice, type BackendReport } from '@rfm/backend';
import { createConsoleLogger, describeCompiledPassFallback, onCompiledPassFallback } from '@rfm/core';
import { startRequestedBackend, type ThreadsSuggestion } from '../backend-flag.js';

let current: { choice: BackendChoice; ready: Promise<BackendReport> } | undefined;
/** Whether this worker process warns of compiled passes that fall back (from its first backend on). */
let warnsOfFallbacks = false;

/** Backend choices a job may name. */
export const JOB_BACKENDS = BACKEND_CHOICES;

/**
 * The environment variable through which a pool tells its worker processes how many cores each
 * may use for its threads (set by `rfm worker` and the in-process pool before they fork).
 */
export const WORKER_CORES_VARIABLE = 'RFM_WORKER_CORES';

/**
 * The cores each of `concurrency` worker processes may use: an equal share, at least one.
 *
 * @param concurrency - jobs run at once on this machine
 * @param cores - the machine's cores (default: `os.availableParallelism()`)
 * @example
 * ```ts
 * coresPerWorker(1, 2); // 2
 * coresPerWorker(4, 2); // 1
 * ```
 */
export function coresPerWorker(concurrency: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, concurrency)));
}

/**
 * Records in this process' environment, for the worker processes it forks afterwards, the cores
 * each may use ({@link coresPerWorker}).
 *
 * @param concurrency - worker processes that will run at once
 * @param env - the environment the workers inherit @default process.env
 * @returns the share recorded
 */
export function shareCoresWithWorkers(concurrency: number, env: NodeJS.ProcessEnv = process.env): number {
  const share = coresPerWorker(concurrency);
  env[WORKER_CORES_VARIABLE] = String(share);
  return share;
}

/**
 * The cores this worker process may use: its pool's share ({@link WORKER_CORES_VARIABLE}), or
 * every core when it runs alone or the variable is not a positive integer.
 *
 * @param env - the process environment @default process.env
 * @param cores - the machine's cores (default: `os.availableParallelism()`)
 */
export function workerCores(env: NodeJS.ProcessEnv = process.env, cores: number = availableParallelism()): number {
  const value = env[WORKER_CORES_VARIABLE];
  const share = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isInteger(share) && share >= 1 ? share : cores;
}

/**
 * Starts `choice` unless it already runs in this process. The first start applies `suggestion`
 * (the thread counts for the job's model, computed on {@link workerCores}); a backend that already
 * runs keeps its threads, since neither TensorFlow's intra-op threads nor wasm's XNNPACK threads
 * change once started. From the first start on, a compiled pass that falls back to eager runs
 * is a warning on the worker's standard error (`[rfm worker] warn: the pass ...`).
 *
 * @param choice - `auto`, `tensorflow`, `wasm` or `cpu`
 * @param suggestion - thread counts for the job's model @default none
 * @returns the report of the backend that runs, its `summary` in the CLI's wording
 * @example
 * ```ts
 * const report = await ensureWorkerBackend('wasm', modelThreadsSuggestion(config, workerCores()));
 * ```
 */
export async function ensureWorkerBackend(choice: BackendChoice, suggestion: ThreadsSuggestion = {}): Promise<BackendReport> {
  if (current?.choice !== choice) current = { choice, ready: startRequestedBackend({ choice }, suggestion, false) };
  if (!warnsOfFallbacks) {
    const logger = createConsoleLogger('rfm worker');
    onCompiledPassFallback((f) => logger.warn(describeCompiledPassFallback(f)));
    warnsOfFallbacks = true;
  }
  return current.ready;
}
