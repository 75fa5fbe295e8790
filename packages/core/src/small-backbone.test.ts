import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { inferenceHandle, logitGap } from './backbone.js';
import { InvalidOptionError } from './errors.js';
import { createRng } from './rng.js';
import { createSmallBackbone } from './small-backbone.js';

describe('small backbone', () => {
  it('produces [B,2] logits and a feature map, and input gradients without leaks', () => {
    const backbone = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(1));
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = backbone.apply(x, false);
    expect(out.logits.shape).toEqual([2, 2]);
    expect(out.featureMap.shape).toEqual([2, 8, 8, 16]);
    const g = inferenceHandle(backbone).inputGradient(x, (o) => logitGap(o.logits));
    expect(g.shape).toEqual([2, 32, 32, 3]);
    const peak = tf.tidy(() => tf.max(tf.abs(g)));
    expect(peak.arraySync()).toBeGreaterThan(0);
    peak.dispose();
    tf.dispose([x, out.logits, out.featureMap, g]);
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });

  it('is reproducible from the seed', () => {
    const a = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(7));
    const b = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(7));
    const wa = a.trainableWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.trainableWeights().map((w) => Array.from(w.dataSync()));
    expect(wa).toEqual(wb);
    a.dispose();
    b.dispose();
  });

  it('rejects a bad input size with a typed error', () => {
    expect(() => createSmallBackbone({ inputSize: 3 }, createRng(1))).toThrow(InvalidOptionError);
  });
});
