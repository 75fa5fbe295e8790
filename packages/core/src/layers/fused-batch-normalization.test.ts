import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { maxRelativeError } from '../testing/relative-error.js';
import { InvalidOptionError, ShapeMismatchError } from '../errors.js';
import { createRng } from '../rng.js';
import { createBatchNormLayer, isBatchNormLayer, requireBatchNormKind, RfmBatchNormalization } from './fused-batch-normalization.js';
import { registerCoreLayers } from './register-core-layers.js';

function random(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal() * scale + shift), shape);
}

function relativeError(got: tf.Tensor, want: tf.Tensor): number {
  return maxRelativeError(got.dataSync(), want.dataSync());
}

const SHAPE = [4, 5, 3, 6];

/** A one-layer model around `layer`, with non-trivial gamma, beta and moving statistics. */
function wrap(layer: tfl.layers.Layer): tfl.LayersModel {
  const input = tfl.input({ shape: SHAPE.slice(1) });
  const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
  const c = SHAPE[3]!;
  const weights = [random([c], 1, 0.5, 1), random([c], 2), random([c], 3), tf.abs(random([c], 4, 1, 0.5))];
  layer.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** Outputs, input and weight gradients of one training step, then the moving statistics it left. */
function trainingStep(model: tfl.LayersModel, x: tf.Tensor, w: tf.Tensor): tf.Tensor[] {
  const layer = model.layers[1]!;
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  return tf.tidy(() => {
    const y = model.apply(x, { training: true }) as tf.Tensor;
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(model.apply(xi, { training: true }) as tf.Tensor, w)))(x);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, vars);
    return [y, dx, value, ...vars.map((v) => grads[v.name]!), ...layer.getWeights(false)].map((t) => tf.clone(t));
  });
}

describe('RfmBatchNormalization', () => {
  it('has the weights, names and config of tfjs-layers BatchNormalization', () => {
    const stock = tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: 'bn_a' });
    const fused = new RfmBatchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn_a' });
    const [m1, m2] = [wrap(stock), wrap(fused)];
    const describeWeights = (l: tfl.layers.Layer) => l.weights.map((w) => [w.originalName, w.shape, w.trainable]);
    expect(describeWeights(fused)).toEqual(describeWeights(stock));
    expect(describeWeights(fused).map(([n]) => n)).toEqual(['bn_a/gamma', 'bn_a/beta', 'bn_a/moving_mean', 'bn_a/moving_variance']);
    expect(fused.getConfig()).toMatchObject({ axis: -1, momentum: 0.9, epsilon: 1e-5, center: true, scale: true, name: 'bn_a' });
    expect(m2.countParams()).toBe(m1.countParams());
    expect(new RfmBatchNormalization().getConfig()).toMatchObject({ momentum: 0.99, epsilon: 1e-3 }); // tfjs-layers' defaults
    expect(isBatchNormLayer(stock) && isBatchNormLayer(fused)).toBe(true);
    m1.dispose();
    m2.dispose();
  });

  it('equals tfjs-layers BatchNormalization on cpu: training outputs, gradients, moving statistics; inference outputs', () => {
    const x = random(SHAPE, 5, 2, 0.7);
    const w = random(SHAPE, 6);
    const stock = wrap(tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }));
    const fused = wrap(new RfmBatchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    const before = tf.memory().numTensors;
    const want = trainingStep(stock, x, w);
    const got = trainingStep(fused, x, w);
    expect(tf.memory().numTensors).toBe(before + want.length + got.length);
    expect(got.map((t) => t.shape)).toEqual(want.map((t) => t.shape));
    // y, dx, loss, dgamma, dbeta, gamma, beta, moving mean, moving variance (after 3 training passes)
    got.forEach((t, i) => expect(relativeError(t, want[i]!), `quantity ${i}`).toBeLessThanOrEqual(1e-5));
    // the moving statistics moved towards the batch statistics
    const initialMean = random([SHAPE[3]!], 3);
    expect(relativeError(got[7]!, initialMean)).toBeGreaterThan(1e-3);
    const inference = [stock, fused].map((m) => m.predict(x) as tf.Tensor);
    expect(relativeError(inference[1]!, inference[0]!)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, w, initialMean, ...want, ...got, ...inference]);
    stock.dispose();
    fused.dispose();
  });

  it('updates the moving statistics as moving·momentum + batch·(1 − momentum), with the biased variance', () => {
    const layer = new RfmBatchNormalization({ momentum: 0.75, epsilon: 1e-5 });
    const model = wrap(layer);
    const x = random(SHAPE, 7, 3, 1);
    const [, , oldMean, oldVariance] = layer.getWeights().map((t) => tf.clone(t));
    tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    const [, , mean, variance] = layer.getWeights().map((t) => tf.clone(t));
    const { mean: batchMean, variance: batchVariance } = tf.moments(x, [0, 1, 2]);
    const expectMean = tf.add(tf.mul(oldMean!, 0.75), tf.mul(batchMean, 0.25));
    const expectVariance = tf.add(tf.mul(oldVariance!, 0.75), tf.mul(batchVariance, 0.25));
    expect(relativeError(mean!, expectMean)).toBeLessThan(1e-6);
    expect(relativeError(variance!, expectVariance)).toBeLessThan(1e-6);
    // inference mode leaves them alone
    tf.dispose(model.apply(x, { training: false }) as tf.Tensor);
    expect(relativeError(layer.getWeights()[2]!, mean!)).toBe(0);
    expect(relativeError(layer.getWeights()[3]!, variance!)).toBe(0);
    tf.dispose([x, oldMean!, oldVariance!, mean!, variance!, batchMean, batchVariance, expectMean, expectVariance]);
    model.dispose();
  });

  it('supports center / scale = false (no beta / gamma)', () => {
    const layer = new RfmBatchNormalization({ center: false, scale: false, epsilon: 1e-5 });
    const input = tfl.input({ shape: [3, 3, 2] });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual(['moving_mean', 'moving_variance']);
    const x = random([2, 3, 3, 2], 8, 2, 3);
    const y = model.apply(x, { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    expect(Math.max(...Array.from(tf.abs(mean).dataSync()))).toBeLessThan(1e-5);
    expect(Math.max(...Array.from(tf.abs(tf.sub(variance, 1)).dataSync()))).toBeLessThan(1e-4);
    tf.dispose([x, y, mean, variance]);
    model.dispose();
  });

  it('round-trips through save / load once registered', async () => {
    registerCoreLayers();
    const model = wrap(new RfmBatchNormalization({ momentum: 0.8, epsilon: 1e-4, name: 'bn_s' }));
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(JSON.stringify(saved!.modelTopology)).toContain('"class_name":"RfmBatchNormalization"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.getLayer('bn_s');
    expect(layer).toBeInstanceOf(RfmBatchNormalization);
    expect(layer.getConfig()).toMatchObject({ momentum: 0.8, epsilon: 1e-4 });
    const x = random(SHAPE, 9);
    const [a, b] = [model, loaded].map((m) => m.predict(x) as tf.Tensor);
    expect(relativeError(b!, a!)).toBe(0);
    tf.dispose([x, a!, b!]);
    model.dispose();
    loaded.dispose();
  });

  it('rejects other axes and non-NHWC inputs with typed errors', () => {
    expect(() => new RfmBatchNormalization({ axis: 1 })).toThrow(InvalidOptionError);
    expect(() => new RfmBatchNormalization({ momentum: 1.5 })).toThrow(InvalidOptionError);
    expect(() => new RfmBatchNormalization().apply(tfl.input({ shape: [5] }))).toThrow(ShapeMismatchError);
  });
});

describe('createBatchNormLayer', () => {
  it("builds the fused layer or tfjs-layers' own, and rejects other kinds", () => {
    const fused = createBatchNormLayer('fused', { momentum: 0.9, epsilon: 1e-5, name: 'f' });
    const stock = createBatchNormLayer('layers', { momentum: 0.9, epsilon: 1e-5, name: 's' });
    expect(fused).toBeInstanceOf(RfmBatchNormalization);
    expect(stock.getClassName()).toBe('BatchNormalization');
    expect(stock.getConfig()).toMatchObject({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
    expect(() => createBatchNormLayer('native' as 'fused', { momentum: 0.9, epsilon: 1e-5 })).toThrow(InvalidOptionError);
    expect(() => requireBatchNormKind('batchNorm', undefined)).toThrow(/'fused'.*'layers'/);
  });
});
