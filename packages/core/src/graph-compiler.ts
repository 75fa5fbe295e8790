/**
 * Compiled graphs: a backend that can run a whole tensor function as one graph (native TensorFlow,
 * through `@rfm/backend`) registers a {@link GraphCompiler} here, and code that runs the same
 * function many times on same-shaped inputs (the FAM pass of every SFE iteration) asks for it.
 * Without a compiler, or when compiling fails, callers run the function eagerly as before.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** A tensor function compiled for fixed input shapes. */
export interface CompiledGraph {
  /**
   * Runs the graph on new inputs of the traced shapes, with the current values of the variables
   * the function read.
   *
   * @param inputs - the function's inputs, in the traced order (not disposed)
   * @returns the output, a new tensor owned by the caller
   * @throws when an input's shape differs from the traced one or a variable was disposed
   */
  run(inputs: readonly tf.Tensor[]): tf.Tensor;
  /** Frees the graph. */
  dispose(): void;
}

/**
 * Compiles `fn` by running it once on `inputs`.
 *
 * @param fn - a pure tensor function of its inputs and of variables (no reads to the CPU)
 * @param inputs - example inputs, fixing the shapes
 * @returns the compiled graph, and the output of the traced run (a new tensor owned by the caller)
 * @throws when `fn` cannot be compiled (the caller then runs it eagerly)
 */
export type GraphCompiler = (fn: (inputs: readonly tf.Tensor[]) => tf.Tensor, inputs: readonly tf.Tensor[]) => { graph: CompiledGraph; output: tf.Tensor };

const compilers = new Map<string, GraphCompiler>();

/**
 * Registers the graph compiler of a backend (`@rfm/backend` does it for `tensorflow`).
 *
 * @param backend - the tfjs backend name
 * @param compiler - the compiler, or undefined to remove it
 */
export function registerGraphCompiler(backend: string, compiler: GraphCompiler | undefined): void {
  if (compiler) compilers.set(backend, compiler);
  else compilers.delete(backend);
}

/**
 * The graph compiler of a backend, if one is registered.
 *
 * @param backend - the tfjs backend name @default the active backend
 */
export function graphCompilerFor(backend: string = tf.getBackend()): GraphCompiler | undefined {
  return compilers.get(backend);
}
