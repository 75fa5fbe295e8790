import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { batchNormScaleShift } from '../ops/batch-norm-inference.js';
import { batchNormScaleShifts, foldConvBatchNorm, isReluLayer } from './batch-norm-folding.js';
import { RfmBatchNormalization } from './fused-batch-normalization.js';

function random(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale + shift), shape);
}

/** Builds conv → batch norm on a [2, 9, 9, 3] input and gives the batch norm non-trivial weights. */
function pair(conv: tfl.layers.Layer, batchNorm: tfl.layers.Layer): void {
  const input = tfl.input({ shape: [9, 9, 3] });
  batchNorm.apply(conv.apply(input));
  const c = batchNorm.getWeights()[0]!.shape[0]!;
  batchNorm.setWeights([random([c], 1, 0.3, 1), random([c], 2), random([c], 3), tf.abs(random([c], 4, 0.5, 1))]);
}

describe('foldConvBatchNorm', () => {
  const cases: [string, () => tfl.layers.Layer, () => tfl.layers.Layer][] = [
    ['Conv2D (valid, stride 2) + RfmBatchNormalization', () => tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, useBias: false }), () => new RfmBatchNormalization({ epsilon: 1e-3 })],
    ['Conv2D with bias + tfjs BatchNormalization', () => tfl.layers.conv2d({ filters: 4, kernelSize: 1, useBias: true, biasInitializer: 'randomNormal' }), () => tfl.layers.batchNormalization({ axis: -1 })],
    ['SeparableConv2D (same) + RfmBatchNormalization', () => tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }), () => new RfmBatchNormalization({})],
  ];
  for (const [name, makeConv, makeBn] of cases) {
    for (const relu of [false, true]) {
      it(`${name}${relu ? ' + ReLU' : ''}: equals the layers in inference mode, values and input gradient`, () => {
        const conv = makeConv();
        const bn = makeBn();
        pair(conv, bn);
        const x = random([2, 9, 9, 3], 5) as tf.Tensor4D;
        const fold = foldConvBatchNorm(conv, bn, relu)!;
        expect(fold).not.toBeNull();
        const before = tf.memory().numTensors;
        const plain = (a: tf.Tensor) => {
          const y = bn.apply(conv.apply(a, { training: false }), { training: false }) as tf.Tensor;
          return relu ? tf.relu(y) : y;
        };
        const errors = tf.tidy(() => {
          const rel = (got: tf.Tensor, want: tf.Tensor) => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]! / tf.max(tf.abs(want)).dataSync()[0]!;
          const w = random(plain(x).shape, 6);
          const grad = (f: (a: tf.Tensor) => tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), w)))(x);
          return [rel(fold(x), plain(x)), rel(grad((a) => fold(a as tf.Tensor4D)), grad(plain))];
        });
        expect(errors[0]).toBeLessThan(1e-5);
        expect(errors[1]).toBeLessThan(1e-5);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(x);
      });
    }
  }

  it('batchNormScaleShifts: every layer\'s scale and shift, bit for bit as one at a time (here, on cpu), in a few kernels for all', async () => {
    // Different widths and epsilons, and one layer without gamma and beta.
    const layers = [new RfmBatchNormalization({ epsilon: 1e-3 }), tfl.layers.batchNormalization({ axis: -1, epsilon: 1e-5 }), tfl.layers.batchNormalization({ axis: -1, center: false, scale: false })];
    layers.slice(0, 2).forEach((bn, i) => pair(tfl.layers.conv2d({ filters: 3 + 2 * i, kernelSize: 1, useBias: false }), bn));
    // The layer without gamma and beta has only its moving statistics to set.
    const plain = layers[2]!;
    plain.apply(tfl.layers.conv2d({ filters: 7, kernelSize: 1, useBias: false }).apply(tfl.input({ shape: [9, 9, 3] })));
    plain.setWeights([random([7], 7), tf.abs(random([7], 8, 0.5, 1))]);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      tf.dispose(batchNormScaleShifts(layers) as unknown as tf.TensorContainer);
    });
    const kernels = profile.kernels.length;
    const all = batchNormScaleShifts(layers);
    layers.forEach((bn, i) => {
      const l = bn as unknown as { gamma?: tfl.LayerVariable | null; beta?: tfl.LayerVariable | null; movingMean: tfl.LayerVariable; movingVariance: tfl.LayerVariable; epsilon: number };
      const one = batchNormScaleShift(l.movingMean.read() as tf.Tensor1D, l.movingVariance.read() as tf.Tensor1D, (l.beta?.read() ?? null) as tf.Tensor1D | null, (l.gamma?.read() ?? null) as tf.Tensor1D | null, l.epsilon);
      expect(Array.from(all[i]!.scale.dataSync()), `scale of layer ${i}`).toEqual(Array.from(one.scale.dataSync()));
      // 0 - m and -(m) differ only in the sign of a zero: compare as numbers.
      expect(Array.from(all[i]!.shift.dataSync()).map((v) => v + 0), `shift of layer ${i}`).toEqual(Array.from(one.shift.dataSync()).map((v) => v + 0));
      tf.dispose([one.scale, one.shift]);
    });
    tf.dispose(all as unknown as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(before);
    // One at a time: at least 3 kernels per layer with gamma and beta; together a fixed few.
    expect(kernels).toBeLessThan(20);
    const many = Array.from({ length: 12 }, () => new RfmBatchNormalization({}));
    many.forEach((bn) => pair(tfl.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false }), bn));
    const profileMany = await tf.profile(() => {
      tf.dispose(batchNormScaleShifts(many) as unknown as tf.TensorContainer);
    });
    expect(profileMany.kernels.length).toBe(kernels);
  });

  it('recognises plain ReLU layers only', () => {
    expect(isReluLayer(tfl.layers.activation({ activation: 'relu' }))).toBe(true);
    expect(isReluLayer(tfl.layers.reLU({}))).toBe(true);
    expect(isReluLayer(tfl.layers.reLU({ maxValue: 6 }))).toBe(false);
    expect(isReluLayer(tfl.layers.activation({ activation: 'elu' }))).toBe(false);
    expect(isReluLayer(tfl.layers.dense({ units: 2, activation: 'relu' }))).toBe(false);
  });

  it('refuses what it cannot fold: an activation after the convolution, a dense layer, a batch norm on another axis', () => {
    const relu = tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu' });
    const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1 });
    const bn = new RfmBatchNormalization({});
    const input = tfl.input({ shape: [4, 4, 2] });
    bn.apply(conv.apply(relu.apply(input)));
    expect(foldConvBatchNorm(relu, bn)).toBeNull();
    expect(foldConvBatchNorm(tfl.layers.dense({ units: 2 }), bn)).toBeNull();
    expect(foldConvBatchNorm(conv, tfl.layers.batchNormalization({ axis: 1 }))).toBeNull();
    expect(foldConvBatchNorm(conv, bn)).not.toBeNull();
  });
});
