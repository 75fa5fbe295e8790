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

/** The intra-op thread count of the TensorFlow this process loaded (read from the environment now). */
export function tensorflowIntraOpThreads(): number {
  return intraOpThreadsFor(process.env[INTRA_OP_THREADS_VARIABLE], availableParallelism());
}
