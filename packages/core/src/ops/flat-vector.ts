/**
 * Many tensors as one vector and back: the concatenation that lets one elementwise update run over
 * many small weights at once (`FlatAdamOptimizer`, the deferred moving-average updates of the batch
 * norms). Vectors pass through without a reshape, which is a kernel call of its own on some
 * backends (TensorFlow's eager `Reshape`, about 45 µs); in Xception about half of the weights are
 * batch-norm and bias vectors.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `ts` flattened and concatenated, in order (a clone for a single tensor).
 *
 * @param ts - tensors of any shapes
 */
export function concatAsVector(ts: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.concat(ts.map((t) => (t.rank === 1 ? t : tf.reshape(t, [-1])) as tf.Tensor1D));
}

/**
 * The inverse of {@link concatAsVector}: `flat` cut into consecutive pieces of `shapes`.
 *
 * @param flat - a vector of the shapes' total size
 * @param shapes - the pieces' shapes, in order
 * @returns one new tensor per shape (the caller owns them; call it inside `tf.tidy` to free the
 *   split pieces that were reshaped)
 */
export function splitToShapes(flat: tf.Tensor, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  const parts = tf.split(flat, shapes.map((s) => tf.util.sizeFromShape([...s])));
  return parts.map((part, i) => (shapes[i]!.length === 1 ? part : tf.reshape(part, [...shapes[i]!])));
}
