import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { inferenceHandle, logitGap } from './backbone.js';
import { createTestBackbone, createTestBatch } from './testing/fixtures.js';

describe('inferenceHandle with maxBatch', () => {
  it('computes the input gradient in chunks with the same result, leaking nothing', () => {
    const backbone = createTestBackbone(32);
    const { images, labels } = createTestBatch({ batchSize: 5, size: 32 });
    const whole = inferenceHandle(backbone).inputGradient(images, (o) => logitGap(o.logits));
    const before = tf.memory().numTensors;
    const chunked = inferenceHandle(backbone, 2).inputGradient(images, (o) => logitGap(o.logits));
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(chunked.shape).toEqual(whole.shape);
    const diff = tf.max(tf.abs(tf.sub(chunked, whole))).dataSync()[0]!;
    const scale = tf.max(tf.abs(whole)).dataSync()[0]!;
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-5);
    tf.dispose([images, labels, whole, chunked]);
    backbone.dispose();
  });
});
