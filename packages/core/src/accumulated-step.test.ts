import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { accumulateGradients, accumulatedTrainingStep, microBatchIndices } from './accumulated-step.js';
import { classificationLoss } from './backbone.js';
import { LayersBackbone } from './layers-backbone.js';
import { createTestBatch } from './testing/fixtures.js';
import { trainingStep } from './train-step.js';

/** A conv net without batch normalisation: micro-batches must give the full-batch gradient. */
function createPlainBackbone(size: number, seed: number): LayersBackbone {
  const input = tfl.input({ shape: [size, size, 3] });
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: s });
  const c1 = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(seed) }).apply(input) as tfl.SymbolicTensor;
  const c2 = tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: init(seed + 1), pointwiseInitializer: init(seed + 2) }).apply(c1) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(c2) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 2, name: 'head', kernelInitializer: init(seed + 3) }).apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [c2, logits] });
  return new LayersBackbone(model, { name: 'plain', inputSize: size, numClasses: 2, outputKind: 'image', options: {} }, 'head');
}

const maxRelDiff = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number => {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
};

describe('microBatchIndices', () => {
  it('splits a batch into strided groups whose sizes differ by at most one', () => {
    expect(microBatchIndices(8, 4)).toEqual([
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
    const groups = microBatchIndices(16, 5);
    expect(groups.map((g) => g.length)).toEqual([4, 4, 4, 4]);
    expect(microBatchIndices(7, 3).map((g) => g.length)).toEqual([3, 2, 2]);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // 8 real then 8 fake: every micro-batch holds both classes.
    for (const g of groups) expect(new Set(g.map((i) => (i < 8 ? 0 : 1))).size).toBe(2);
  });

  it('rejects a micro-batch below 1', () => {
    expect(() => microBatchIndices(4, 0)).toThrow(/microBatch/);
  });
});

describe('accumulateGradients', () => {
  it('equals the full-batch gradient for a network without batch norm', () => {
    const backbone = createPlainBackbone(12, 7);
    const { images, labels } = createTestBatch({ batchSize: 6, size: 12, seed: 4 });
    const vars = backbone.trainableWeights();
    const before = tf.memory().numTensors;
    const full = tf.variableGrads(() => classificationLoss(backbone.apply(images, true).logits, labels), vars);
    for (const micro of [1, 2, 4]) {
      const acc = accumulateGradients(backbone, images, labels, micro);
      expect(acc.loss).toBeCloseTo(full.value.dataSync()[0]!, 5);
      expect(Object.keys(acc.grads).sort()).toEqual(Object.keys(full.grads).sort());
      for (const name of Object.keys(full.grads)) {
        expect(maxRelDiff(acc.grads[name]!.dataSync(), full.grads[name]!.dataSync())).toBeLessThan(1e-5);
      }
      tf.dispose(Object.values(acc.grads));
    }
    tf.dispose([full.value, ...Object.values(full.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, labels]);
    backbone.dispose();
  });
});

describe('accumulatedTrainingStep', () => {
  for (const flood of [0, 0.04, 50]) {
    it(`updates the weights as one full-batch step (flood level ${flood})`, () => {
      const a = createPlainBackbone(12, 3);
      const b = createPlainBackbone(12, 3);
      const { images, labels } = createTestBatch({ batchSize: 8, size: 12, seed: 9 });
      const optA = tf.train.sgd(0.5);
      const optB = tf.train.sgd(0.5);
      const lossA = trainingStep(a, optA, images, labels, flood);
      const before = tf.memory().numTensors;
      const lossB = accumulatedTrainingStep(b, optB, images, labels, flood, 3);
      expect(tf.memory().numTensors).toBe(before);
      expect(lossB).toBeCloseTo(lossA, 5);
      const wa = a.trainableWeights();
      const wb = b.trainableWeights();
      let moved = 0;
      const fresh = createPlainBackbone(12, 3);
      const init = fresh.trainableWeights();
      for (let i = 0; i < wa.length; i++) {
        expect(maxRelDiff(wb[i]!.dataSync(), wa[i]!.dataSync())).toBeLessThan(1e-5);
        moved = Math.max(moved, maxRelDiff(wa[i]!.dataSync(), init[i]!.dataSync()));
      }
      // The step did something (so the comparison could fail).
      expect(moved).toBeGreaterThan(1e-4);
      tf.dispose([images, labels]);
      [a, b, fresh].forEach((x) => x.dispose());
      optA.dispose();
      optB.dispose();
    });
  }
});
