/**
 * Whether a TensorFlow op that only some builds have (oneDNN's, reached by name) works here: it is
 * run once on a tiny input and its values compared with the known answer.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `run` on `inputs` and tells whether its output's values, joined with commas, are
 * `expected`; false when it throws. The inputs and the output are freed.
 *
 * @param inputs - small tensors made for the probe (disposed here)
 * @param run - the op under test
 * @param expected - the output values, e.g. `'0,5,0,0'`
 */
export function nativeOpGives(inputs: readonly tf.Tensor[], run: (...inputs: tf.Tensor[]) => tf.Tensor, expected: string): boolean {
  try {
    const y = run(...inputs);
    try {
      return Array.from(y.dataSync()).join() === expected;
    } finally {
      y.dispose();
    }
  } catch {
    return false;
  } finally {
    tf.dispose([...inputs]);
  }
}
