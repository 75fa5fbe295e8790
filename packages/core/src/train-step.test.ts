import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { classificationLoss, floodLoss } from './backbone.js';
import { createRng } from './rng.js';
import { createSmallBackbone } from './small-backbone.js';
import { createAdam, trainingStep } from './train-step.js';
import { createTestBatch } from './testing/fixtures.js';

describe('trainingStep', () => {
  it('lowers the loss on a fixed batch, updates BN moving statistics, leaks nothing', () => {
    const backbone = createSmallBackbone({ inputSize: 16, width: 4 }, createRng(2));
    const { images, labels } = createTestBatch({ batchSize: 4, size: 16 });
    const adam = createAdam({ learningRate: 1e-2 });
    const movingMean = () => Array.from(backbone.model.getLayer('bn1').getWeights()[2]!.dataSync());
    const before = movingMean();
    const first = trainingStep(backbone, adam, images, labels, 0);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 15; i++) last = trainingStep(backbone, adam, images, labels, 0);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(last).toBeLessThan(first);
    expect(movingMean()).not.toEqual(before);
    tf.dispose([images, labels]);
    adam.dispose();
    backbone.dispose();
  });

  it('floods: below the level the gradient ascends', () => {
    const x = tf.scalar(0.01);
    const g = tf.grad((v: tf.Tensor) => floodLoss(v as tf.Scalar, 0.04))(x);
    expect(g.dataSync()[0]).toBeCloseTo(-1, 6);
    const above = tf.grad((v: tf.Tensor) => floodLoss(v as tf.Scalar, 0.04))(tf.scalar(0.5));
    expect(above.dataSync()[0]).toBeCloseTo(1, 6);
  });

  it('computes patch cross-entropy with the image label broadcast to every patch', () => {
    const patchLogits = tf.tensor4d([0, 1, 2, 0, 0, 0, 1, 1], [1, 2, 2, 2]);
    const loss = classificationLoss(patchLogits, tf.tensor1d([1], 'int32')).dataSync()[0]!;
    const lse = (a: number, b: number) => Math.log(Math.exp(a) + Math.exp(b));
    const expected = ((lse(0, 1) - 1) + (lse(2, 0) - 0) + (lse(0, 0) - 0) + (lse(1, 1) - 1)) / 4;
    expect(loss).toBeCloseTo(expected, 5);
  });
});
