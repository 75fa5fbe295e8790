/**
 * Repeated passes as compiled graphs: a tensor function that runs many times on same-shaped
 * inputs (the FAM pass of every SFE iteration, the forward pass over every batch of an evaluation)
 * runs as one graph where the active backend has a {@link GraphCompiler}, and eagerly elsewhere.
 * One cache per owner object (a model handle, a backbone) keeps each pass' graph per backend and
 * input shapes; the graphs of an owner that is garbage-collected are freed.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { reportCompiledPassFallback } from './compiled-pass-fallback.js';
import { graphCompilerFor, type CompiledGraph } from './graph-compiler.js';

/**
 * Eager runs, for one owner and input shapes, before compiling a pass that may run only a few
 * times: scoring, CAM, the attention maps of `rfm fam`, `rfm erase` and the reports. Measured on
 * Xception's forward pass (`pnpm bench inference`, 2-vCPU AMD EPYC): compiling (the trace, loading
 * the graph and its first, optimising run) costs about 2.5-4.5 eager passes at batch 16, and a
 * compiled pass is then 1.1-1.6x faster at batch 16 and 1.7-2.7x with one image. So a few passes
 * stay eager, and a long job gets faster. Training's FAM pass, which runs every iteration,
 * compiles at once.
 */
export const COMPILE_AFTER_RUNS = 8;

/** Options of {@link runCompiledPass}. */
export interface CompiledPassOptions {
  /**
   * Eager runs of the same pass, backend and input shapes before the pass is compiled: 0 compiles
   * on the first run. Compiling costs a few eager runs once (the trace, loading the graph and its
   * first, optimising run), so a pass that may run only a few times waits until it has repeated.
   * @default 0
   */
  readonly compileAfter?: number;
}

/** What a cache knows of one pass: eager runs so far, its graph, or null where compiling failed. */
type PassState = { readonly eagerRuns: number } | { readonly graph: CompiledGraph } | null;

/** Per owner: the state of each pass, keyed by pass name, backend and input shapes. */
const passesOf = new WeakMap<object, Map<string, PassState>>();

/** Frees the graphs of an owner that is no longer reachable. */
const graphsOfLostOwners = new FinalizationRegistry<Map<string, PassState>>((passes) => {
  for (const state of passes.values()) if (state && 'graph' in state) state.graph.dispose();
});

/** The pass cache of an owner, created on first use. */
function passesFor(owner: object): Map<string, PassState> {
  let passes = passesOf.get(owner);
  if (!passes) {
    passesOf.set(owner, (passes = new Map()));
    graphsOfLostOwners.register(owner, passes);
  }
  return passes;
}

/**
 * Runs `fn(inputs)`, as a compiled graph where the active backend compiles graphs (native
 * TensorFlow, through `@rfm/backend`) and the pass has run `compileAfter` times before for this
 * owner and these input shapes. The graph replays the eager pass' ops with the current values of
 * the variables it reads, so its output is the eager one up to float32 rounding where the
 * backend's graph optimiser picks another kernel. Where compiling fails, the pass stays eager for
 * those shapes; where a graph fails to run, it is dropped, that run is eager, and the pass is
 * compiled anew after `compileAfter` more eager runs. Either fallback is told to the listeners of
 * `onCompiledPassFallback`.
 *
 * @param owner - the object whose lifetime bounds the graphs (a model handle, a backbone)
 * @param pass - the pass' name, distinct for each function run with the same owner
 * @param fn - a pure tensor function of its inputs and of registered variables (no reads to the
 *   CPU), returning a new tensor
 * @param inputs - the inputs (not disposed)
 * @param options - when to compile
 * @returns the output, a new tensor owned by the caller
 * @example
 * ```ts
 * const logits = runCompiledPass(backbone, 'logits', ([x]) => tf.tidy(() => backbone.apply(x as tf.Tensor4D, false).logits), [images]);
 * ```
 */
export function runCompiledPass(
  owner: object,
  pass: string,
  fn: (inputs: readonly tf.Tensor[]) => tf.Tensor,
  inputs: readonly tf.Tensor[],
  options: CompiledPassOptions = {},
): tf.Tensor {
  const compiler = graphCompilerFor();
  if (!compiler) return fn(inputs);
  const passes = passesFor(owner);
  const backend = tf.getBackend();
  const shapes = inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
  const key = `${pass}|${backend}|${shapes}`;
  const state = passes.get(key);
  if (state === null) return fn(inputs);
  if (state && 'graph' in state) {
    try {
      return state.graph.run(inputs);
    } catch (error) {
      state.graph.dispose();
      passes.delete(key);
      reportCompiledPassFallback({ pass, backend, inputs: shapes, stage: 'run' }, error);
      return fn(inputs);
    }
  }
  const eagerRuns = state?.eagerRuns ?? 0;
  if (eagerRuns < (options.compileAfter ?? 0)) {
    passes.set(key, { eagerRuns: eagerRuns + 1 });
    return fn(inputs);
  }
  try {
    const { graph, output } = compiler(fn, inputs);
    passes.set(key, { graph });
    return output;
  } catch (error) {
    passes.set(key, null);
    reportCompiledPassFallback({ pass, backend, inputs: shapes, stage: 'compile' }, error);
    return fn(inputs);
  }
}
