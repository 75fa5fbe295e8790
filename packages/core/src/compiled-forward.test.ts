import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackboneOutput } from './backbone.js';
import { compiledForwardOutputs } from './compiled-forward.js';
import { COMPILE_AFTER_RUNS } from './compiled-pass.js';
import { registerGraphCompiler } from './graph-compiler.js';
import { countingGraphCompiler } from './testing/counting-compiler.js';

afterEach(() => registerGraphCompiler(tf.getBackend(), undefined));

/** A forward pass with a patch model's shapes: a `[B, 2, 3, 4]` feature map and `[B, 2, 3, 2]` logits. */
const forward = (x: tf.Tensor4D): BackboneOutput =>
  tf.tidy(() => {
    const featureMap = tf.concat([x, tf.mul(x, 2)], 3) as tf.Tensor4D;
    return { featureMap, logits: tf.sum(tf.reshape(featureMap, [x.shape[0], 2, 3, 2, 2]), 4) };
  });

describe('compiledForwardOutputs', () => {
  it('returns both outputs of the forward pass, from one graph once it has repeated, with their shapes and values', async () => {
    const fake = countingGraphCompiler();
    registerGraphCompiler(tf.getBackend(), fake.compiler);
    const images = tf.tensor4d(Array.from({ length: 2 * 2 * 3 * 2 }, (_, i) => i - 7), [2, 2, 3, 2]);
    const eager = forward(images);
    const expected = { featureMap: await eager.featureMap.array(), logits: await eager.logits.array() };
    tf.dispose([eager.featureMap, eager.logits]);
    const before = tf.memory().numTensors;
    const owner = {};
    for (let run = 0; run < COMPILE_AFTER_RUNS + 3; run++) {
      const out = compiledForwardOutputs(owner, forward, images);
      expect(out.featureMap.shape).toEqual([2, 2, 3, 4]);
      expect(out.logits.shape).toEqual([2, 2, 3, 2]);
      expect(await out.featureMap.array()).toEqual(expected.featureMap);
      expect(await out.logits.array()).toEqual(expected.logits);
      tf.dispose([out.featureMap, out.logits]);
    }
    expect([fake.compiles, fake.runs]).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it('is the forward pass itself where the backend has no compiler', () => {
    const images = tf.ones([1, 2, 3, 2]) as tf.Tensor4D;
    const out = compiledForwardOutputs({}, forward, images);
    expect(out.logits.shape).toEqual([1, 2, 3, 2]);
    tf.dispose([out.featureMap, out.logits, images]);
  });
});
