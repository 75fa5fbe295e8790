/**
 * How many XNNPACK threads rfm.js suggests for training a model on the wasm backend, from the
 * multiply-adds of a forward pass over a training batch.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';

/**
 * The fewest multiply-adds a training step's forward pass (every image of the batch) needs for
 * one wasm thread per core to be the better choice. The threaded build hands each matrix product's
 * rows to the other threads and waits for them, which small products do not earn back. Xception
 * steps, batch 16, on a 2-vCPU AMD EPYC, one thread against two (medians of 4-10 steps,
 * docs/memory-and-speed.md, eighteenth session):
 * - width 0.25 at 128 px (1.6 G): 352-385 against 354-376 ms in the quietest pairs, no gain;
 * - width 0.35 at 128 px (3.0 G): 682-695 against 547-588 ms (`bench rfm`: medians 664 against 663 ms);
 * - width 0.25 at 160 px (2.5 G, `bench rfm`): 571-607 against 468-549 ms;
 * - width 0.25 at 224 px (4.8 G): 1,586-1,618 against 963-1,124 ms;
 * - width 0.5 at 128 px (6.0 G): 1,183-1,634 against 935-1,024 ms;
 * - width 1 at 128 px (24 G): 4,021-4,291 against 2,912-2,916 ms;
 * - the full network at 224 px (73 G): 14.5 against 8.7 s.
 */
export const WASM_THREADS_MIN_MULTIPLY_ADDS = 2.5e9;

/**
 * The wasm thread count rfm.js suggests for training a model whose forward pass over a batch takes
 * `multiplyAdds` multiply-adds: one thread per core (at most 64) from
 * {@link WASM_THREADS_MIN_MULTIPLY_ADDS} on, when there are two cores or more; otherwise undefined
 * (one thread, the backend's default). Measured on 2 cores only.
 *
 * @param multiplyAdds - multiply-adds of one forward pass over a training batch
 * @param cores - cores to use (default: `os.availableParallelism()`)
 * @example
 * ```ts
 * suggestedWasmThreads(16 * 4.55e9, 2); // 2: the paper's network
 * suggestedWasmThreads(16 * 97e6, 2); // undefined: Xception width 0.25 at 128 px
 * ```
 */
export function suggestedWasmThreads(multiplyAdds: number, cores: number = availableParallelism()): number | undefined {
  const threads = Math.min(Math.floor(cores), 64);
  return Number.isFinite(multiplyAdds) && multiplyAdds >= WASM_THREADS_MIN_MULTIPLY_ADDS && threads >= 2 ? threads : undefined;
}
