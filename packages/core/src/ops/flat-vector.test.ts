import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { concatAsVector, splitToShapes } from './flat-vector.js';

describe('concatAsVector / splitToShapes', () => {
  it('round-trip tensors of mixed shapes (scalar, vectors, a 4-D filter) and reshape only those that are not vectors', async () => {
    const shapes = [[], [3], [2, 1, 2, 2], [1]];
    const ts = shapes.map((s, k) => tf.tensor(Array.from({ length: tf.util.sizeFromShape(s) }, (_, i) => 10 * k + i), s));
    const before = tf.memory().numTensors;
    let back: tf.Tensor[] = [];
    const profile = await tf.profile(() => {
      back = tf.tidy(() => splitToShapes(concatAsVector(ts), shapes));
    });
    expect(back.map((t) => t.shape)).toEqual(shapes);
    back.forEach((t, k) => expect(Array.from(t.dataSync())).toEqual(Array.from(ts[k]!.dataSync())));
    // In: the scalar and the 4-D tensor; out: the same two.
    expect(profile.kernels.filter((k) => k.name === 'Reshape')).toHaveLength(4);
    expect(tf.memory().numTensors).toBe(before + back.length);
    tf.dispose([...ts, ...back]);
  });
});
