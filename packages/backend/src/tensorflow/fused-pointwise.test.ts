import * as tf from '@tensorflow/tfjs-core';
import { convBiasActivation } from '@rfm/core';
import { maxRelativeError } from '@rfm/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../init-backend.js';
import { FUSED_POINTWISE_OP, fusedPointwiseActive, fusedPointwiseConvBiasActivation, fusedPointwiseUsable } from './fused-pointwise.js';
import { tensorflowIntraOpThreads } from './intra-op-threads.js';
import { registerNativeKernelPatches } from './native-kernel-patches.js';
import type { NodeBackend } from './node-backend.js';
import { LIST_ATTRIBUTES_PATCH, readAddonPatches, SIGNALS_BLOCKED_PATCH } from './addon-patches.js';

let reason = '';
try {
  await initBackend('tensorflow', { nativeModules: ['@tensorflow/tfjs-node'] });
} catch (e) {
  reason = `the tensorflow backend is absent: ${(e as Error).message.split('\n')[0]}`;
}

/** The binding patches recorded by `rfm backend build-native` for the installed addon (none for other addons). */
const installedBindingPatches = (): readonly string[] => readAddonPatches('@tensorflow/tfjs-node');

describe.skipIf(reason !== '')(`pointwise convolution + bias + ReLU as one fused op on tensorflow${reason ? ` (SKIPPED: ${reason})` : ''}`, () => {
  it('is used exactly where the addon sets list attributes and TensorFlow has two or more threads or the addon blocks signals during ops', () => {
    const patches = installedBindingPatches();
    const expected = patches.includes(LIST_ATTRIBUTES_PATCH) && (tensorflowIntraOpThreads() >= 2 || patches.includes(SIGNALS_BLOCKED_PATCH));
    expect(fusedPointwiseActive()).toBe(expected);
  });

  it('equals conv2d + bias (+ ReLU) and leaks no tensor', (ctx) => {
    const backend = tf.backend() as unknown as NodeBackend;
    if (!fusedPointwiseUsable(backend)) {
      ctx.skip(`SKIPPED: the fused op is not usable here (${tensorflowIntraOpThreads()} intra-op threads, addon patches: ${installedBindingPatches().join(', ') || 'none'})`);
      return;
    }
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 5, 6, 7], -1, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomUniform([1, 1, 7, 9], -1, 1, 'float32', 2) as tf.Tensor4D;
    const bias = tf.randomUniform([9], -1, 1, 'float32', 3) as tf.Tensor1D;
    for (const activation of ['relu', 'linear'] as const) {
      const got = fusedPointwiseConvBiasActivation(backend, x, filter, bias, activation);
      const want = tf.tidy(() => {
        const y = tf.add(tf.conv2d(x, filter, 1, 'valid'), bias);
        return activation === 'relu' ? tf.relu(y) : y;
      });
      expect(got.shape).toEqual([2, 5, 6, 9]);
      expect(maxRelativeError(got.dataSync(), want.dataSync())).toBeLessThan(1e-5);
      if (activation === 'linear') expect(Array.from(got.dataSync()).some((v) => v < 0)).toBe(true);
      else expect(Math.min(...got.dataSync())).toBe(0);
      tf.dispose([got, want]);
    }
    tf.dispose([x, filter, bias]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("is what convBiasActivation runs for pointwise convolutions, and not for 3x3 or strided ones", (ctx) => {
    registerNativeKernelPatches();
    const backend = tf.backend() as unknown as NodeBackend;
    if (!fusedPointwiseUsable(backend)) {
      ctx.skip('SKIPPED: the fused op is not usable here (see the test above)');
      return;
    }
    const opsOf = (k: number, stride: number): string[] => {
      const spy = vi.spyOn(backend, 'executeSingleOutput');
      tf.tidy(() => {
        convBiasActivation(tf.ones([1, 6, 6, 4]) as tf.Tensor4D, tf.ones([k, k, 4, 3]) as tf.Tensor4D, tf.ones([3]) as tf.Tensor1D, {
          strides: [stride, stride],
          pad: 'same',
          activation: 'relu',
        }).dataSync();
      });
      const ops = spy.mock.calls.map((c) => c[0]);
      spy.mockRestore();
      return ops;
    };
    expect(opsOf(1, 1)).toContain(FUSED_POINTWISE_OP);
    expect(opsOf(3, 1)).not.toContain(FUSED_POINTWISE_OP);
    expect(opsOf(1, 2)).not.toContain(FUSED_POINTWISE_OP);
  });
});
