import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classificationLoss } from './backbone.js';
import { LayersBackbone } from './layers-backbone.js';
import { applyFreeingIntermediates } from './layers-freeing-run.js';
import { createTestBackbone, createTestBatch } from './testing/fixtures.js';

describe('applyFreeingIntermediates', () => {
  // As @rfm/backend registers it: ReLU's gradient from its output, so that its input (a batch-norm
  // output) is needed by no backward pass and can be freed.
  const tfjsRelu = tf.getGradient(tf.Relu)!;
  beforeAll(() => {
    tf.registerGradient({
      kernelName: tf.Relu,
      inputsToSave: [],
      outputsToSave: [true],
      gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(saved[0]!)) }),
    });
  });
  afterAll(() => tf.registerGradient(tfjsRelu));

  it('gives the outputs, gradients and batch-norm statistics of model.apply with no higher peak, and leaks nothing', async () => {
    const run = async (freeing: boolean) => {
      // A fresh backbone each time: the training pass updates the moving statistics.
      const backbone = createTestBackbone(32) as LayersBackbone;
      const { images, labels } = createTestBatch({ batchSize: 4, size: 32 });
      const vars = backbone.trainableWeights();
      const before = tf.memory().numTensors;
      let logits: number[] = [];
      let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
      const start = tf.memory().numBytes;
      // The peak of live tensor bytes during the forward pass (tfjs-layers frees its intermediates
      // only when the whole model has run).
      const profile = await tf.profile(() => {
        result = tf.variableGrads(() => {
          const outs = freeing
            ? applyFreeingIntermediates(backbone.model, images, true)
            : (backbone.model.apply(images, { training: true }) as tf.Tensor[]);
          logits = Array.from(outs[1]!.dataSync());
          return classificationLoss(outs[1]!, labels);
        }, vars);
      });
      const { value, grads } = result!;
      const out = {
        loss: value.dataSync()[0]!,
        logits,
        grads: Object.values(grads).map((g) => Array.from(g.dataSync())),
        weights: backbone.model.weights.map((w) => Array.from(w.read().dataSync())),
        peakBytes: profile.peakBytes - start,
        movingBytes: backbone.model.weights.filter((w) => w.name.includes('moving')).reduce((a, w) => a + 4 * w.read().size, 0),
      };
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([images, labels]);
      backbone.dispose();
      return out;
    };
    const plain = await run(false);
    const freeing = await run(true);
    expect(freeing.logits).toEqual(plain.logits);
    expect(freeing.loss).toBe(plain.loss);
    expect(freeing.grads).toEqual(plain.grads);
    // Moving means and variances included.
    expect(freeing.weights).toEqual(plain.weights);
    expect(plain.peakBytes).toBeGreaterThan(0);
    // The deferred moving-statistics updates (deferMovingAverageUpdates) hold the batch statistics
    // until the last layer has run, then concatenate them with the moving ones: a few vectors of
    // the size of all moving statistics together, nothing of the activations' size.
    expect(freeing.movingBytes).toBeGreaterThan(0);
    expect(freeing.peakBytes).toBeLessThanOrEqual(plain.peakBytes + 4 * freeing.movingBytes);
  });

  it('holds fewer intermediates at once during a training-mode forward pass', async () => {
    const backbone = createTestBackbone(32) as LayersBackbone;
    const { images } = createTestBatch({ batchSize: 4, size: 32 });
    const peak = async (f: () => tf.Tensor[]) => {
      const start = tf.memory().numBytes;
      const p = await tf.profile(() => tf.dispose(f()));
      return p.peakBytes - start;
    };
    const plain = await peak(() => backbone.model.apply(images, { training: true }) as tf.Tensor[]);
    const freeing = await peak(() => applyFreeingIntermediates(backbone.model, images, true));
    expect(freeing).toBeLessThan(0.6 * plain);
    tf.dispose(images);
    backbone.dispose();
  });

  it('gives the input gradient of model.apply in inference mode (a FAM pass)', () => {
    const backbone = createTestBackbone(32) as LayersBackbone;
    const { images } = createTestBatch({ batchSize: 2, size: 32 });
    const before = tf.memory().numTensors;
    const grad = (f: (x: tf.Tensor) => tf.Tensor[]) => {
      const g = tf.grad((x: tf.Tensor) => tf.sum(f(x)[1]!))(images);
      const out = Array.from(g.dataSync());
      g.dispose();
      return out;
    };
    const plain = grad((x) => backbone.model.apply(x, { training: false }) as tf.Tensor[]);
    const freeing = grad((x) => applyFreeingIntermediates(backbone.model, x, false));
    expect(freeing).toEqual(plain);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(images);
    backbone.dispose();
  });

  it('folds batch norms into their convolutions in inference mode on request: same feature map, logits and input gradient within rounding, fewer full-size kernels', async () => {
    const backbone = createTestBackbone(32) as LayersBackbone;
    const { images } = createTestBatch({ batchSize: 2, size: 32 });
    // Trained-looking statistics, so that folding has something to fold.
    tf.tidy(() => applyFreeingIntermediates(backbone.model, images, true));
    const before = tf.memory().numTensors;
    const pass = async (foldBatchNorm: boolean) => {
      let out: number[][] = [];
      const profile = await tf.profile(() => {
        const [featureMap, logits, grad] = tf.tidy(() => {
          const f = (x: tf.Tensor) => applyFreeingIntermediates(backbone.model, x, false, { foldBatchNorm });
          return [...f(images), tf.grad((x: tf.Tensor) => tf.sum(f(x)[1]!))(images)];
        });
        out = [Array.from(logits!.dataSync()), Array.from(grad!.dataSync()), Array.from(featureMap!.dataSync())];
        tf.dispose([featureMap!, logits!, grad!]);
      });
      const fullSizeMultiplies = profile.kernels.filter((k) => k.name === 'Multiply' && k.outputShapes[0]!.length === 4 && k.outputShapes[0]![1]! > 1).length;
      return { out, fullSizeMultiplies };
    };
    const plain = await pass(false);
    const folded = await pass(true);
    expect(tf.memory().numTensors).toBe(before);
    const close = (got: number[], want: number[]) => Math.max(...got.map((v, i) => Math.abs(v - want[i]!))) / Math.max(...want.map(Math.abs));
    expect(close(folded.out[0]!, plain.out[0]!)).toBeLessThan(1e-5);
    expect(close(folded.out[1]!, plain.out[1]!)).toBeLessThan(1e-5);
    // The feature map (what CAM and Adversarial Erasing read) too.
    expect(close(folded.out[2]!, plain.out[2]!)).toBeLessThan(1e-5);
    expect(plain.fullSizeMultiplies).toBeGreaterThan(0);
    expect(folded.fullSizeMultiplies).toBeLessThan(plain.fullSizeMultiplies);
    tf.dispose(images);
    backbone.dispose();
  });

  it('leaves only the outputs behind when LayersBackbone.apply runs in training mode', () => {
    const backbone = createTestBackbone(32);
    const { images } = createTestBatch({ batchSize: 2, size: 32 });
    const before = tf.memory().numTensors;
    const { featureMap, logits } = backbone.apply(images, true);
    // Only the two outputs stay alive.
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(featureMap.shape[0]).toBe(2);
    expect(logits.shape).toEqual([2, 2]);
    tf.dispose([featureMap, logits, images]);
    backbone.dispose();
  });
});
