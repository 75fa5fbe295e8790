/**
 * Where {@link FlatAdamOptimizer} keeps Adam's two moments (one flat vector each over all weights)
 * and how it runs the element-wise step on them. The default keeps them as `tf.Variable`s and
 * runs tfjs Adam's formulas op for op, so results equal `tf.train.adam`'s bit for bit; a backend
 * may register a faster form of its own ({@link registerFlatAdamMoments}), which `@rfm/backend` does
 * for `wasm` (one pass of its SIMD module over moments on the heap, bit-identical) and for
 * `tensorflow` (TensorFlow's fused `ResourceApplyAdam` on resource variables).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** Adam's hyperparameters as `tf.AdamOptimizer` holds them. */
export interface AdamHyperparameters {
  /** Step size. */
  readonly learningRate: number;
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Added to the square root of the bias-corrected second moment. */
  readonly epsilon: number;
}

/** Adam's moments over the flat vector of all weights, and the step that updates them. */
export interface FlatAdamMoments {
  /**
   * One Adam step: updates both moments from the gradient and returns the new weights.
   *
   * @param w - the flat weights (this call disposes it)
   * @param g - the flat gradient (this call disposes it)
   * @param accBeta1 - β1^t at step t (β1 at the first step)
   * @param accBeta2 - β2^t
   * @param h - the hyperparameters
   * @returns the new flat weights, owned by the caller
   */
  step(w: tf.Tensor1D, g: tf.Tensor1D, accBeta1: tf.Scalar, accBeta2: tf.Scalar, h: AdamHyperparameters): tf.Tensor1D;
  /** Both moments `[m, v]` as new tensors the caller owns. */
  read(): [tf.Tensor1D, tf.Tensor1D];
  /** Releases the moments. */
  dispose(): void;
}

/** Makes a backend's {@link FlatAdamMoments} from initial moments (which the caller still owns). */
export type FlatAdamMomentsFactory = (m: tf.Tensor1D, v: tf.Tensor1D) => FlatAdamMoments;

const factories = new Map<string, FlatAdamMomentsFactory>();

/**
 * Makes `backend` keep Adam's flat moments with `factory` (replacing an earlier registration).
 *
 * @param backend - a tfjs backend name
 * @param factory - builds the moments from initial values
 */
export function registerFlatAdamMoments(backend: string, factory: FlatAdamMomentsFactory): void {
  factories.set(backend, factory);
}

/**
 * Removes `backend`'s registration: the default `tf.Variable` moments apply again.
 *
 * @param backend - a tfjs backend name
 */
export function unregisterFlatAdamMoments(backend: string): void {
  factories.delete(backend);
}

/**
 * The moments on the active backend: its registered form, or `tf.Variable`s.
 *
 * @param m - initial first moment (copied; the caller still owns it)
 * @param v - initial second moment (copied)
 */
export function createFlatAdamMoments(m: tf.Tensor1D, v: tf.Tensor1D): FlatAdamMoments {
  return (factories.get(tf.getBackend()) ?? tfjsFlatAdamMoments)(m, v);
}

/**
 * The default moments: `tf.Variable`s, updated with tfjs Adam's formulas op for op, on any backend
 * (also what a backend's own form falls back to where it cannot run).
 *
 * @param m0 - initial first moment (copied; the caller still owns it)
 * @param v0 - initial second moment (copied)
 */
export function tfjsFlatAdamMoments(m0: tf.Tensor1D, v0: tf.Tensor1D): FlatAdamMoments {
  const m = tf.variable(m0, false);
  const v = tf.variable(v0, false);
  return {
    step: (w, g, accBeta1, accBeta2, h) =>
      tf.tidy(() => {
        const oneMinusAccBeta1 = tf.sub(1, accBeta1);
        const oneMinusAccBeta2 = tf.sub(1, accBeta2);
        const newM = tf.add(tf.mul(m, h.beta1), tf.mul(g, 1 - h.beta1)) as tf.Tensor1D;
        const newV = tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(g), 1 - h.beta2)) as tf.Tensor1D;
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        m.assign(newM);
        v.assign(newV);
        const newW = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), h.epsilon)), -h.learningRate), w);
        tf.dispose([w, g]);
        return newW as tf.Tensor1D;
      }),
    read: () => [m.clone(), v.clone()],
    dispose: () => tf.dispose([m, v]),
  };
}
