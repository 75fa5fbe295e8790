import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { CONV_BIAS_ACTIVATION_KERNEL, convBiasActivation, convBiasActivationViaFusedConv2D, type ConvBiasActivationAttrs } from './conv-bias-activation.js';

function random(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

/** A cpu kernel for the op, through cpu's FusedConv2D (as the wasm kernel goes through wasm's). */
function registerCpuKernel(): void {
  tf.registerKernel(convBiasActivationViaFusedConv2D('cpu', tf.getKernel(tf.FusedConv2D, 'cpu')!));
}

const CASES: ConvBiasActivationAttrs[] = [
  { strides: [1, 1], pad: 'same', activation: 'relu' },
  { strides: [2, 2], pad: 'valid', activation: 'linear' },
  { strides: [2, 1], pad: 'same', activation: 'relu' },
];

/** Output and the gradients with respect to x, filter and bias of `sum(f(x, w, b) · r)`. */
function valuesAndGradients(f: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor): number[][] {
  return tf.tidy(() => {
    const x = random([2, 7, 8, 3], 1) as tf.Tensor4D;
    const w = random([3, 3, 3, 4], 2) as tf.Tensor4D;
    const b = random([4], 3) as tf.Tensor1D;
    const y = f(x, w, b);
    const r = random(y.shape, 4);
    const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D), r)))([x, w, b]);
    return [y, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

function reference(a: ConvBiasActivationAttrs): (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor {
  return (x, w, b) => {
    const y = tf.add(tf.conv2d(x, w, a.strides, a.pad), b);
    return a.activation === 'relu' ? tf.relu(y) : y;
  };
}

function maxDiff(got: number[], want: number[]): number {
  return Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
}

describe('convBiasActivation', () => {
  afterEach(() => {
    if (tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, 'cpu')) tf.unregisterKernel(CONV_BIAS_ACTIVATION_KERNEL, 'cpu');
  });

  for (const withKernel of [false, true]) {
    it(`${withKernel ? 'as a registered kernel' : 'as tfjs ops (no kernel registered)'}: equals conv2d + bias + activation, values and all three gradients`, async () => {
      await tf.setBackend('cpu');
      if (withKernel) registerCpuKernel();
      const before = tf.memory().numTensors;
      for (const a of CASES) {
        const got = valuesAndGradients((x, w, b) => convBiasActivation(x, w, b, a));
        const want = valuesAndGradients(reference(a));
        got.forEach((g, i) => expect(maxDiff(g, want[i]!), `${JSON.stringify(a)} output ${i}`).toBeLessThan(1e-4));
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('runs as one kernel, and its input gradient computes no filter or bias gradient', async () => {
    await tf.setBackend('cpu');
    registerCpuKernel();
    const x = random([2, 6, 6, 3], 5) as tf.Tensor4D;
    const w = random([1, 1, 3, 4], 6) as tf.Tensor4D;
    const b = random([4], 7) as tf.Tensor1D;
    const attrs: ConvBiasActivationAttrs = { strides: [1, 1], pad: 'valid', activation: 'relu' };
    const profile = await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(convBiasActivation(a as tf.Tensor4D, w, b, attrs)))(x));
    const names = profile.kernels.map((k) => k.name);
    expect(names).toContain(CONV_BIAS_ACTIVATION_KERNEL);
    expect(names).toContain('Conv2DBackpropInput');
    expect(names).not.toContain('Conv2DBackpropFilter');
    expect(names).not.toContain('Conv2D');
    expect(names).not.toContain('Add');
    tf.dispose([x, w, b]);
  });
});
