import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { isPlainConv2D, useLazyConvGradients } from './lazy-conv-gradients.js';

function twoConvModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3] });
  const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) });
  const b = tfl.layers.conv2d({ filters: 2, kernelSize: 1, useBias: true, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) });
  return tfl.model({ inputs: input, outputs: b.apply(a.apply(input)) as tfl.SymbolicTensor });
}

/** Output, weight gradients and the kernels a weight-gradient pass runs. */
async function pass(model: tfl.LayersModel, x: tf.Tensor4D): Promise<{ y: number[]; grads: number[][]; kernels: string[] }> {
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const y = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
  let grads: number[][] = [];
  const profile = await tf.profile(() => {
    const { grads: g, value } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, weights);
    grads = weights.map((w) => Array.from(g[w.name]!.dataSync()));
    tf.dispose([value, ...Object.values(g)]);
  });
  return { y, grads, kernels: profile.kernels.map((k) => k.name) };
}

describe('useLazyConvGradients', () => {
  it('switches bias-free linear Conv2D layers only, keeps outputs and weight gradients, and drops the image gradient', async () => {
    const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const reference = twoConvModel();
    const lazy = twoConvModel();
    lazy.setWeights(reference.getWeights());
    expect(lazy.layers.map((l) => isPlainConv2D(l))).toEqual([false, true, false]);
    const before = await pass(reference, x);
    expect(useLazyConvGradients(lazy)).toBe(1);
    expect(useLazyConvGradients(lazy)).toBe(0);
    const start = tf.memory().numTensors;
    const after = await pass(lazy, x);
    expect(tf.memory().numTensors).toBe(start);
    expect(after.y).toEqual(before.y);
    expect(after.grads).toEqual(before.grads);
    // tfjs' fused conv gradient computes the image gradient too; the registered one does not.
    expect(before.kernels.filter((k) => k === tf.Conv2DBackpropInput).length).toBe(2);
    expect(after.kernels.filter((k) => k === tf.Conv2DBackpropInput).length).toBe(1);
    tf.dispose(x);
    reference.dispose();
    lazy.dispose();
  });

  it('still gives the image gradient when it is asked for (FAM)', () => {
    const x = tf.randomNormal([1, 12, 12, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const reference = twoConvModel();
    const lazy = twoConvModel();
    lazy.setWeights(reference.getWeights());
    useLazyConvGradients(lazy);
    const grad = (m: tfl.LayersModel) => tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => tf.sum(m.apply(v, { training: false }) as tf.Tensor))(x).dataSync()));
    expect(grad(lazy)).toEqual(grad(reference));
    tf.dispose(x);
    reference.dispose();
    lazy.dispose();
  });
});
