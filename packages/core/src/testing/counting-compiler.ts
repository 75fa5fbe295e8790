/**
 * A {@link GraphCompiler} for tests: it counts its compiles and runs, "compiles" by running the
 * traced function eagerly, and fails where told, so callers' caching and fallbacks can be checked
 * on any backend.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphCompiler } from '../graph-compiler.js';

/** A counting compiler and its counts (see {@link countingGraphCompiler}). */
export interface CountingGraphCompiler {
  /** The compiler, for `registerGraphCompiler`. */
  readonly compiler: GraphCompiler;
  /** Calls of the compiler so far. */
  readonly compiles: number;
  /** Runs of its graphs so far. */
  readonly runs: number;
}

/**
 * A compiler whose graphs run the traced function eagerly, counting compiles and runs.
 *
 * @param fail - make every compile throw, or every graph run throw
 * @example
 * ```ts
 * const fake = countingGraphCompiler();
 * registerGraphCompiler(tf.getBackend(), fake.compiler);
 * // ... then expect(fake.compiles).toBe(1)
 * ```
 */
export function countingGraphCompiler(fail: { readonly compile?: boolean; readonly run?: boolean } = {}): CountingGraphCompiler {
  const counts = { compiles: 0, runs: 0 };
  const compiler: GraphCompiler = (fn, inputs) => {
    counts.compiles++;
    if (fail.compile) throw new Error('cannot compile');
    const output = fn(inputs);
    const graph = {
      run: (next: readonly tf.Tensor[]) => {
        counts.runs++;
        if (fail.run) throw new Error('cannot run');
        return fn(next);
      },
      dispose: () => {},
    };
    return { graph, output };
  };
  return Object.assign(counts, { compiler });
}
