import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { CONV_BIAS_ACTIVATION_KERNEL } from '../packages/core/src/index.js';
import { profileKernels } from '../packages/backend/src/index.js';
import { famConvolutionMs, sfeOverPlainFloor } from './fam-floor.js';

describe("the floor of SFE/plain from a FAM pass' convolutions", () => {
  it('adds the convolution kernels exclusive times and nothing else', () => {
    const kernels = [
      { name: CONV_BIAS_ACTIVATION_KERNEL, calls: 40, inclusiveMs: 1700, exclusiveMs: 1655 },
      { name: 'Conv2DBackpropInput', calls: 40, inclusiveMs: 1700, exclusiveMs: 1650 },
      { name: 'DepthwiseConv2dNative', calls: 103, inclusiveMs: 313, exclusiveMs: 313 },
      { name: 'MaxPoolGrad', calls: 4, inclusiveMs: 90, exclusiveMs: 90 },
    ];
    expect(famConvolutionMs({ kernels })).toBe(3305);
    expect(sfeOverPlainFloor(3305, 6275)).toBeCloseTo(1.5267, 4);
    expect(() => sfeOverPlainFloor(1, 0)).toThrow('plainMs must be positive, got 0');
  });

  it('finds the convolutions of a real profile', async () => {
    await tf.setBackend('cpu');
    const x = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 3, 4]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const profile = await profileKernels(() => {
      tf.tidy(() => {
        tf.grad((input: tf.Tensor) => tf.sum(tf.relu(tf.conv2d(input as tf.Tensor4D, w, 1, 'same'))))(x);
      });
    });
    expect(tf.memory().numTensors).toBe(before);
    const convolution = profile.kernels.filter((k) => k.name === 'Conv2D' || k.name === 'Conv2DBackpropInput');
    expect(convolution.map((k) => k.name).sort()).toEqual(['Conv2D', 'Conv2DBackpropInput']);
    expect(famConvolutionMs(profile)).toBeCloseTo(convolution.reduce((s, k) => s + k.exclusiveMs, 0), 9);
    expect(famConvolutionMs(profile)).toBeLessThanOrEqual(profile.kernelMs + 1e-9);
    tf.dispose([x, w]);
  });
});
