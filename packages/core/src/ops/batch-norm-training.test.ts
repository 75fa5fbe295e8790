import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { maxRelativeError } from '../testing/relative-error.js';
import { createRng } from '../rng.js';
import { createCpuBatchNormTestKernels } from '../testing/cpu-batch-norm-kernels.js';
import {
  BATCH_NORM_TRAINING_GRAD_KERNEL,
  BATCH_NORM_TRAINING_KERNEL,
  batchNormTraining,
  hasBatchNormTrainingKernel,
  registerBatchNormTrainingGradient,
} from './batch-norm-training.js';

function random(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal() * scale + shift), shape);
}

function relativeError(got: tf.Tensor, want: tf.Tensor): number {
  return maxRelativeError(got.dataSync(), want.dataSync());
}

/** The composite reference: tfjs-layers' training-mode ops. */
function reference(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const m = tf.moments(x, [0, 1, 2]);
  return { y: tf.batchNorm(x, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, beta, gamma, epsilon), mean: m.mean, variance: m.variance };
}

let gradCalls = 0;
const { forward: testForward, backward: testBackward } = createCpuBatchNormTestKernels(() => gradCalls++);

function unregisterTestKernels(): void {
  for (const name of [BATCH_NORM_TRAINING_KERNEL, BATCH_NORM_TRAINING_GRAD_KERNEL]) {
    if (tf.getKernel(name, 'cpu')) tf.unregisterKernel(name, 'cpu');
  }
}

afterEach(unregisterTestKernels);

describe('batchNormTraining (composite path, cpu)', () => {
  it('normalises each channel with the batch mean and biased variance, then scales and shifts', () => {
    expect(hasBatchNormTrainingKernel()).toBe(false);
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

describe('batchNormTraining (registered kernel)', () => {
  const x = random([3, 5, 4, 6], 11, 2, -1) as tf.Tensor4D;
  const gamma = random([6], 12) as tf.Tensor1D;
  const beta = random([6], 13) as tf.Tensor1D;
  const w = random([3, 5, 4, 6], 14);
  const a = random([6], 15);
  const b = random([6], 16);

  /** Loss through y only, or through y, mean and variance. */
  const loss =
    (run: typeof reference, withStats: boolean) =>
    (xi: tf.Tensor, g: tf.Tensor, o: tf.Tensor): tf.Scalar => {
      const r = run(xi as tf.Tensor4D, g as tf.Tensor1D, o as tf.Tensor1D, 1e-5);
      const main = tf.sum(tf.mul(r.y, w));
      return (withStats ? tf.add(main, tf.add(tf.sum(tf.mul(r.mean, a)), tf.sum(tf.mul(r.variance, b)))) : main) as tf.Scalar;
    };

  function compare(withStats: boolean): void {
    const want = tf.tidy(() => {
      const r = reference(x, gamma, beta, 1e-5);
      return [r.y, r.mean, r.variance, ...tf.grads(loss(reference, withStats))([x, gamma, beta])];
    });
    tf.registerKernel(testForward);
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const r = batchNormTraining(x, gamma, beta, 1e-5);
      return [r.y, r.mean, r.variance, ...tf.grads(loss(batchNormTraining, withStats))([x, gamma, beta])];
    });
    expect(tf.memory().numTensors).toBe(before + got.length);
    got.forEach((t, i) => expect(relativeError(t, want[i]!), `output ${i}`).toBeLessThan(1e-5));
    tf.dispose([...want, ...got]);
  }

  it('runs the kernel of the active backend when it is registered', async () => {
    tf.registerKernel(testForward);
    expect(hasBatchNormTrainingKernel()).toBe(true);
    expect(hasBatchNormTrainingKernel('webgl')).toBe(false);
    const profile = await tf.profile(() => {
      tf.dispose(Object.values(batchNormTraining(x, null, null, 1e-3)));
    });
    expect(profile.kernelNames).toContain(BATCH_NORM_TRAINING_KERNEL);
    expect(profile.kernelNames).not.toContain('Mean');
  });

  it('differentiates the full batch norm with the backward kernel (statistics as functions of x)', () => {
    tf.registerKernel(testBackward);
    gradCalls = 0;
    compare(false);
    expect(gradCalls).toBe(1);
  });

  it('falls back to the composite gradient when the backend has no backward kernel', () => {
    gradCalls = 0;
    compare(false);
    expect(gradCalls).toBe(0);
  });

  it('adds the gradients that reach the mean and variance outputs', () => {
    tf.registerKernel(testBackward);
    compare(true);
  });

  /** Gradients of the loss through y, mean and variance, with the statistics as constants. */
  function constantStatisticsGrads(): tf.Tensor[] {
    const run = (xi: tf.Tensor4D, g: tf.Tensor1D, o: tf.Tensor1D, epsilon: number) => batchNormTraining(xi, g, o, epsilon, { statisticsGradient: false });
    return tf.tidy(() => tf.grads(loss(run, true))([x, gamma, beta]));
  }

  for (const path of ['kernel', 'composite'] as const) {
    it(`treats the statistics as constants with statisticsGradient: false (${path} path)`, () => {
      if (path === 'kernel') tf.registerKernel(testForward);
      const want = tf.tidy(() => tf.grads(loss(reference, false))([x, gamma, beta]));
      const before = tf.memory().numTensors;
      const got = constantStatisticsGrads();
      expect(tf.memory().numTensors).toBe(before + got.length);
      got.forEach((t, i) => expect(relativeError(t, want[i]!), `gradient ${i}`).toBeLessThan(1e-5));
      tf.dispose([...want, ...got]);
    });
  }

  it('runs no full-size zero-gradient work when the statistics are constants', async () => {
    tf.registerKernel(testForward);
    tf.registerKernel(testBackward);
    const backwardKernels = async (statisticsGradient: boolean): Promise<string[]> => {
      const run = (xi: tf.Tensor4D, g: tf.Tensor1D, o: tf.Tensor1D, epsilon: number) => batchNormTraining(xi, g, o, epsilon, { statisticsGradient });
      const profile = await tf.profile(() => tf.dispose(tf.grads(loss(run, false))([x, gamma, beta])));
      return profile.kernels.filter((k) => k.name === 'ZerosLike' && k.outputShapes[0]!.length === 4).map((k) => k.name);
    };
    // tfjs fills the unused statistics' gradients with zeros; with the default the term is computed.
    expect(await backwardKernels(true)).not.toEqual([]);
    expect(await backwardKernels(false)).toEqual([]);
  });

  it('registers its gradient once, for every backend', () => {
    registerBatchNormTrainingGradient();
    const config = tf.getGradient(BATCH_NORM_TRAINING_KERNEL);
    registerBatchNormTrainingGradient();
    expect(tf.getGradient(BATCH_NORM_TRAINING_KERNEL)).toBe(config);
    expect(config.inputsToSave).toEqual(['x', 'scale']);
  });
});
