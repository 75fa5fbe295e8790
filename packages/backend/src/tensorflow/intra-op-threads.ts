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

/**
 * The most multiply-adds a training step's forward pass (every image of the batch) may have for
 * one intra-op thread to be the better choice. With two threads, TensorFlow hands each kernel to a
 * second thread and waits for it (about 0.1-0.4 ms per kernel in a 2-vCPU virtual machine), which
 * small kernels do not earn back. Xception training steps, batch 16, on a 2-vCPU AMD EPYC, one
 * thread against two (medians of 6-8 steps in quiet runs; docs/memory-and-speed.md, seventeenth
 * session): width 0.25 at 128 px (1.6 G) 219-259 against 297-322 ms; width 0.35 at 128 px (3.0 G)
 * 390-431 against 428-474 ms; width 0.25 at 176 px (3.0 G) 365 against 418 ms; width 0.25 at
 * 224 px (4.8 G) 562-612 against 550-568 ms; width 0.5 at 128 px (6.0 G) 492-527 against 471-542
 * ms; width 0.5 at 160 px (9.4 G) 997 against 832 ms; the full network at 224 px (73 G) 1.3-2.1x
 * slower on one thread (eleventh session).
 */
export const ONE_THREAD_MAX_MULTIPLY_ADDS = 4e9;

/**
 * The intra-op thread count rfm.js suggests for training a model whose forward pass over a batch
 * takes `multiplyAdds` multiply-adds: one thread below {@link ONE_THREAD_MAX_MULTIPLY_ADDS},
 * otherwise undefined (TensorFlow's own count, one thread per core).
 *
 * @param multiplyAdds - multiply-adds of one forward pass over a training batch
 * @example
 * ```ts
 * suggestedTensorflowThreads(16 * 97e6); // 1: Xception width 0.25 at 128 px, batch 16
 * suggestedTensorflowThreads(16 * 4.55e9); // undefined: the paper's network
 * ```
 */
export function suggestedTensorflowThreads(multiplyAdds: number): number | undefined {
  return Number.isFinite(multiplyAdds) && multiplyAdds >= 0 && multiplyAdds < ONE_THREAD_MAX_MULTIPLY_ADDS ? 1 : undefined;
}
