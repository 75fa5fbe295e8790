import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRng, fakeProbability, inferenceHandle, InvalidOptionError, isBatchNormLayer, logitGap } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { createPatchBackbone, patchReceptiveField } from './patch-model.js';
import { createBackbone } from './registry.js';

const inboundNames = (model: tfl.LayersModel, layer: string): string[] =>
  model.getLayer(layer).inboundNodes[0]!.inboundLayers.map((l) => l.name);

describe('Patch backbone', () => {
  it.each([
    [1, 55_010, 55, 128],
    [2, 191_330, 28, 256],
    [3, 1_108_218, 14, 728],
    [4, 2_722_194, 14, 728],
    [5, 4_336_170, 14, 728],
  ])('cut %i has %i trainable parameters and a %i-grid at 224 px', (cut, params, grid, channels) => {
    const patch = createPatchBackbone({ cut }, createRng(1));
    expect(patch.countParams().trainable).toBe(params);
    expect(patch.model.outputs[1]!.shape).toEqual([null, grid, grid, 2]);
    expect(patch.model.outputs[0]!.shape).toEqual([null, grid, grid, channels]);
    expect(patch.config).toMatchObject({ name: 'patch', inputSize: 224, numClasses: 2, outputKind: 'patch', patchScore: 'after-softmax' });
    // the head reads the residual sum directly: no ReLU between block K and the 1x1 conv
    expect(inboundNames(patch.model, 'classifier')).toEqual([`block${cut}_add`]);
    patch.dispose();
  });

  it.each([
    [299, [74, 37, 19, 19, 19]],
    [256, [63, 32, 16, 16, 16]],
    [128, [31, 16, 8, 8, 8]],
  ])('has the expected grids at %i px', (inputSize, grids) => {
    grids.forEach((grid, i) => {
      const patch = createPatchBackbone({ cut: i + 1, inputSize, widthMultiplier: 0.125 }, createRng(2));
      expect(patch.model.outputs[1]!.shape).toEqual([null, grid, grid, 2]);
      patch.dispose();
    });
  });

  it('reports the receptive fields of patch-forensics', () => {
    expect([1, 2, 3, 4, 5].map(patchReceptiveField)).toEqual([19, 43, 91, 187, 283]);
    expect(() => patchReceptiveField(6)).toThrow(InvalidOptionError);
  });

  /** [kernel, stride, pad] of every main-path layer up to block K with the symmetric geometry. */
  const geometry = (cut: number): [number, number, number][] => {
    const layers: [number, number, number][] = [
      [3, 2, 0],
      [3, 1, 0],
    ];
    for (let b = 1; b <= cut; b++) layers.push([3, 1, 1], [3, 1, 1], [3, 2, 1]);
    return layers;
  };

  it.each([
    [1, 19],
    [2, 43],
    [3, 91],
  ])('cut %i: one patch logit only sees a %i-px window of the input', (cut, rf) => {
    const size = 112;
    const patch = createPatchBackbone({ cut, inputSize: size, widthMultiplier: 0.125 }, createRng(3));
    const grid = patch.model.outputs[1]!.shape[1]!;
    const p = Math.floor(grid / 2);
    // first input row/column seen by output index p: forward composition of (k, s, pad)
    let jump = 1;
    let start = 0;
    for (const [, s, pad] of geometry(cut)) {
      start -= pad * jump;
      jump *= s;
    }
    const expectedStart = start + p * jump;
    const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const g = tf.grad((input: tf.Tensor) => {
      const { logits, featureMap } = patch.apply(input as tf.Tensor4D, false);
      featureMap.dispose();
      return tf.sum(tf.slice(logits, [0, p, p, 1], [-1, 1, 1, 1]));
    })(x);
    const mask = tf.tidy(() => tf.greater(tf.max(tf.abs(g), [0, 3]), 0));
    const rows = Array.from(tf.tidy(() => tf.any(mask, 1).dataSync()));
    const cols = Array.from(tf.tidy(() => tf.any(mask, 0).dataSync()));
    const extent = (flags: number[]): [number, number] => [flags.indexOf(1), flags.lastIndexOf(1)];
    for (const [first, last] of [extent(rows), extent(cols)]) {
      expect(first).toBe(expectedStart);
      expect(last - first + 1).toBe(rf);
    }
    expect(rf).toBe(patchReceptiveField(cut));
    tf.dispose([x, g, mask]);
    patch.dispose();
  });

  it('stores the image-score choice and rebuilds from its config', () => {
    const patch = createBackbone('patch', { cut: 1, inputSize: 32, widthMultiplier: 0.125, patchScore: 'vote' }, createRng(5));
    expect(patch.config.patchScore).toBe('vote');
    const again = createBackbone(patch.config.name, patch.config.options, createRng(5));
    expect(again.config).toEqual(patch.config);
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const a = patch.apply(x, false);
    const b = again.apply(x, false);
    expect(Array.from(a.logits.dataSync())).toEqual(Array.from(b.logits.dataSync()));
    const score = fakeProbability(a.logits, patch.config.patchScore);
    expect(score.shape).toEqual([2]);
    // the classifier of a patch model is the 1x1 conv, read as [C_K, 2]; classifier() returns new handles owned by the caller
    const head = patch.classifier();
    expect(head.kernel.shape).toEqual([16, 2]);
    expect(head.bias?.shape).toEqual([2]);
    tf.dispose([x, a.logits, a.featureMap, b.logits, b.featureMap, score, head.kernel, head.bias!]);
    expect(tf.memory().numTensors).toBe(before);
    patch.dispose();
    again.dispose();
  });

  it("FAM on patches: the mean and the sum of O_fake - O_real give proportional gradients", () => {
    const patch = createPatchBackbone({ cut: 1, inputSize: 24, widthMultiplier: 0.125 }, createRng(7));
    const handle = inferenceHandle(patch);
    const x = tf.randomNormal([2, 24, 24, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const gMean = handle.inputGradient(x, (o) => logitGap(o.logits, 'mean'));
    const gSum = handle.inputGradient(x, (o) => logitGap(o.logits, 'sum'));
    expect(tf.memory().numTensors).toBe(before + 2);
    const patches = patch.model.outputs[1]!.shape[1]! ** 2;
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.mul(gMean, patches), gSum))).dataSync()[0]!);
    const scale = tf.tidy(() => tf.max(tf.abs(gSum)).dataSync()[0]!);
    expect(scale).toBeGreaterThan(0);
    expect(err).toBeLessThan(1e-4 * scale);
    tf.dispose([x, gMean, gSum]);
    patch.dispose();
  });

  it('rejects bad options with typed errors', () => {
    const rng = createRng(1);
    expect(() => createPatchBackbone({ cut: 0 }, rng)).toThrow(InvalidOptionError);
    expect(() => createPatchBackbone({ cut: 6 }, rng)).toThrow(/patch\.cut/);
    expect(() => createPatchBackbone({ inputSize: 6 }, rng)).toThrow(/patch\.inputSize/);
    expect(() => createPatchBackbone({ patchScore: 'max' as never }, rng)).toThrow(/patchScore/);
    expect(() => createBackbone('patch', { blocks: 2 }, rng)).toThrow(/patch\.blocks/);
    expect(() => createPatchBackbone({ batchNorm: 'native' as never }, rng)).toThrow(/patch\.batchNorm/);
  });

  it("uses the fused batch norm by default and tfjs-layers' with batchNorm 'layers', with the same parameters", () => {
    const fused = createPatchBackbone({ inputSize: 24, widthMultiplier: 0.125, cut: 2 }, createRng(3));
    const stock = createPatchBackbone({ inputSize: 24, widthMultiplier: 0.125, cut: 2, batchNorm: 'layers' }, createRng(3));
    const kinds = (b: typeof fused) => [...new Set(b.model.layers.filter(isBatchNormLayer).map((l) => l.getClassName()))];
    expect(kinds(fused)).toEqual(['RfmBatchNormalization']);
    expect(kinds(stock)).toEqual(['BatchNormalization']);
    expect(stock.model.weights.map((w) => w.originalName)).toEqual(fused.model.weights.map((w) => w.originalName));
    expect(stock.countParams()).toEqual(fused.countParams());
    fused.dispose();
    stock.dispose();
  });
});
