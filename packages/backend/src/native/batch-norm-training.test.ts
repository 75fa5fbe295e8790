import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { batchNormTraining } from './batch-norm-training.js';

function random(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal() * scale + shift), shape);
}

describe('batchNormTraining (composite path, cpu)', () => {
  it('normalises each channel with the batch mean and biased variance, then scales and shifts', () => {
    const before = tf.memory().numTensors;
    const x = random([3, 5, 4, 6], 1, 3, 2) as tf.Tensor4D;
    const gamma = random([6], 2) as tf.Tensor1D;
    const beta = random([6], 3) as tf.Tensor1D;
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-3);
    const xs = x.arraySync() as number[][][][];
    const ys = y.arraySync() as number[][][][];
    const g = gamma.arraySync() as number[];
    const b = beta.arraySync() as number[];
    for (let c = 0; c < 6; c++) {
      const vals = xs.flatMap((n) => n.flatMap((h) => h.map((w) => w[c]!)));
      const mu = vals.reduce((s, v) => s + v, 0) / vals.length;
      const v = vals.reduce((s, x2) => s + (x2 - mu) ** 2, 0) / vals.length;
      expect(mean.arraySync()[c]).toBeCloseTo(mu, 4);
      expect(variance.arraySync()[c]).toBeCloseTo(v, 3);
      expect(ys[1]![2]![3]![c]).toBeCloseTo(((xs[1]![2]![3]![c]! - mu) / Math.sqrt(v + 1e-3)) * g[c]! + b[c]!, 4);
    }
    tf.dispose([x, gamma, beta, y, mean, variance]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('treats null gamma / beta as 1 / 0', () => {
    const x = random([2, 3, 3, 4], 4) as tf.Tensor4D;
    const a = batchNormTraining(x, null, null, 1e-5);
    const b = batchNormTraining(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 1e-5);
    expect(tf.max(tf.abs(tf.sub(a.y, b.y))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, a.y, a.mean, a.variance, b.y, b.mean, b.variance]);
  });
});
