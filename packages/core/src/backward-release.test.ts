import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { releaseDuringBackward } from './backward-release.js';
import { classificationLoss } from './backbone.js';
import { createTestBackbone, createTestBatch } from './testing/fixtures.js';

/** Identity whose gradient records the live tensor bytes when the backward pass reaches it. */
function probe(record: (bytes: number) => void): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.clone(x),
      gradFunc: (dy: tf.Tensor) => {
        record(tf.memory().numBytes);
        return tf.clone(dy);
      },
    };
  }) as never) as (x: tf.Tensor) => tf.Tensor;
}

describe('releaseDuringBackward', () => {
  it('gives the same gradients with a lower peak, and leaks nothing', () => {
    const backbone = createTestBackbone(32);
    const { images, labels } = createTestBatch({ batchSize: 4, size: 32 });
    // A scale on the input puts the probe on the backward path (it runs last).
    const scale = tf.variable(tf.scalar(1));
    const vars = [scale, ...backbone.trainableWeights()];
    const run = (release: boolean) => {
      let bytesAtInput = 0;
      const p = probe((b) => (bytesAtInput = b));
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const loss = classificationLoss(backbone.apply(p(tf.mul(images, scale)) as tf.Tensor4D, true).logits, labels);
        return release ? releaseDuringBackward(loss) : loss;
      }, vars);
      const out = { loss: value.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])), bytesAtInput };
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const plain = run(false);
    const released = run(true);
    expect(released.loss).toBe(plain.loss);
    expect(released.grads).toEqual(plain.grads);
    // When the backward pass reaches the input, the activations and their gradients are gone.
    expect(released.bytesAtInput).toBeLessThan(0.6 * plain.bytesAtInput);
    expect(plain.bytesAtInput).toBeGreaterThan(0);
    tf.dispose([images, labels, scale]);
    backbone.dispose();
  });

  it('works for input gradients, and does nothing outside a gradient computation', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const f = (t: tf.Tensor) => releaseDuringBackward(tf.sum(tf.mul(tf.relu(tf.mul(t, t)), tf.add(t, 1))));
    const g = tf.grad(f)(x);
    // d/dt (t^2 (t + 1)) = 3t^2 + 2t
    expect(Array.from(g.dataSync())).toEqual([5, 16, 33, 56]);
    const y = f(x);
    expect(y.dataSync()[0]).toBe(2 + 12 + 36 + 80);
    tf.dispose([x, g, y]);
  });
});
