import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { batchNormInference } from './batch-norm-inference.js';

const rng = createRng(4);
const t = (shape: number[], lo = -1, hi = 1) => tf.tensor(rng.fill(new Float32Array(shape.reduce((a, b) => a * b, 1)), lo, hi), shape);

describe('batchNormInference', () => {
  it('equals tf.batchNorm, forward and in every gradient, with fewer full-size kernels in the input gradient', async () => {
    const x = t([2, 5, 5, 6]);
    const mean = t([6]) as tf.Tensor1D;
    const variance = t([6], 0.2, 2) as tf.Tensor1D;
    const beta = t([6]) as tf.Tensor1D;
    const gamma = t([6], 0.5, 1.5) as tf.Tensor1D;
    const dy = t([2, 5, 5, 6]);
    const ours = (...a: tf.Tensor[]) => batchNormInference(a[0]!, a[1] as tf.Tensor1D, a[2] as tf.Tensor1D, a[3] as tf.Tensor1D, a[4] as tf.Tensor1D, 1e-5);
    const ref = (...a: tf.Tensor[]) => tf.batchNorm(a[0]!, a[1] as tf.Tensor1D, a[2] as tf.Tensor1D, a[3] as tf.Tensor1D, a[4] as tf.Tensor1D, 1e-5);
    const inputs = [x, mean, variance, beta, gamma];
    const close = (a: tf.Tensor, b: tf.Tensor) => {
      const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      const s = tf.max(tf.abs(b)).dataSync()[0]!;
      expect(d / s).toBeLessThan(1e-5);
    };
    close(ours(...inputs), ref(...inputs));
    const go = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(ours(...a), dy)))(inputs);
    const gr = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(ref(...a), dy)))(inputs);
    go.forEach((g, i) => close(g, gr[i]!));
    // Kernels producing full-size tensors (what costs time), forward and input gradient.
    const count = async (f: (...a: tf.Tensor[]) => tf.Tensor) =>
      (await tf.profile(() => tf.grad((v: tf.Tensor) => f(v, mean, variance, beta, gamma))(x, dy))).kernels.filter((k) =>
        k.outputShapes.some((s) => s.reduce((a, b) => a * b, 1) === x.size),
      ).length;
    expect(await count(ours)).toBeLessThan(await count(ref));
    tf.dispose([...inputs, dy, ...go, ...gr]);
  });
});
