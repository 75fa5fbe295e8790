/**
 * How many intra-op threads native TensorFlow runs with. TensorFlow reads `TF_NUM_INTRAOP_THREADS`
 * once, when tfjs-node creates its context on import; unset, empty or 0 means its default of one
 * thread per schedulable core. With one thread, TensorFlow computes an op on the thread that called
 * it: for tfjs-node, Node's main thread, where the process' signal handlers also run.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';

/** TensorFlow's environment variable for its intra-op thread count, read when its context starts. */
export const INTRA_OP_THREADS_VARIABLE = 'TF_NUM_INTRAOP_THREADS';

/**
 * TensorFlow's intra-op thread count for this value of `TF_NUM_INTRAOP_THREADS` on a machine with
 * `cores` schedulable cores.
 *
 * @param value - the variable's value (undefined when unset)
 * @param cores - schedulable cores (TensorFlow's default count)
 */
export function intraOpThreadsFor(value: string | undefined, cores: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isInteger(n) && n > 0 ? n : cores;
}

/** `TF_NUM_INTRAOP_THREADS` as the native addon found it when `initBackend` loaded it (`null`: unset; undefined: not loaded that way). */
let atLoad: string | null | undefined;

/** Records `TF_NUM_INTRAOP_THREADS` as it stands now, when the native addon has just loaded; returns it (`null`: unset). */
export function recordIntraOpThreadsAtLoad(): string | null {
  atLoad = process.env[INTRA_OP_THREADS_VARIABLE] ?? null;
  return atLoad;
}

/** `TF_NUM_INTRAOP_THREADS` as recorded when the native addon loaded (`null`: unset; undefined: not recorded). */
export function intraOpThreadsAtLoad(): string | null | undefined {
  return atLoad;
}

/**
 * The intra-op thread count of the TensorFlow this process runs: from the value recorded when the
 * addon loaded, or from the environment now when it loaded some other way.
 */
export function tensorflowIntraOpThreads(): number {
  const value = atLoad === undefined ? process.env[INTRA_OP_THREADS_VARIABLE] : (atLoad ?? undefined);
  return intraOpThreadsFor(value, availableParallelism());
}
