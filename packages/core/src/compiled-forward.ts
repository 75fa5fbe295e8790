/**
 * Inference forward passes that repeat (scoring every batch of an evaluation, the CAM of every
 * Adversarial Erasing iteration) as compiled graphs once they have repeated.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackboneOutput } from './backbone.js';
import { COMPILE_AFTER_RUNS, runCompiledPass } from './compiled-pass.js';

/**
 * One output of an inference forward pass, from a compiled graph once the pass has run
 * {@link COMPILE_AFTER_RUNS} times for this owner and batch shape (see `runCompiledPass`; the
 * values equal the eager pass' up to float32 rounding).
 *
 * @param owner - the object the forward pass belongs to (a backbone, a model handle), which keeps
 *   its graphs
 * @param forward - the inference-mode forward pass
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @param output - which output to return
 * @returns the output, a new tensor owned by the caller
 * @example
 * ```ts
 * const logits = compiledForward(backbone, (x) => backbone.apply(x, false), images, 'logits');
 * ```
 */
export function compiledForward(
  owner: object,
  forward: (images: tf.Tensor4D) => BackboneOutput,
  images: tf.Tensor4D,
  output: keyof BackboneOutput,
): tf.Tensor {
  const pass = (inputs: readonly tf.Tensor[]): tf.Tensor => tf.tidy(() => forward(inputs[0] as tf.Tensor4D)[output]);
  return runCompiledPass(owner, `forward|${output}`, pass, [images], { compileAfter: COMPILE_AFTER_RUNS });
}
