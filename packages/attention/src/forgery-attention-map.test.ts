import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelHandle, createRng, createSmallBackbone, inferenceHandle, InvalidOptionError, registerGraphCompiler, type ModelHandle } from '@rfm/core';
import { countingGraphCompiler, maxRelativeError } from '@rfm/core/testing';
import { forgeryAttentionMap } from './forgery-attention-map.js';

interface FamOracle {
  input_nhwc: number[][][][];
  weights: {
    conv_kernel: number[][][][];
    bn1: { gamma: number[]; beta: number[]; movingMean: number[]; movingVariance: number[]; epsilon: number };
    depthwise_kernel: number[][][][];
    pointwise_kernel: number[][][][];
    bn2: { gamma: number[]; beta: number[]; movingMean: number[]; movingVariance: number[]; epsilon: number };
    dense_kernel: number[][];
    dense_bias: number[];
  };
  logits: number[][];
  fam: number[][][];
}

const oracle = JSON.parse(readFileSync(new URL('./fixtures/fam-tiny-net.json', import.meta.url), 'utf8')) as FamOracle;

/** The oracle's network: conv/2 valid → BN → ReLU → depthwise 3x3 same → pointwise → BN → ReLU → GAP → dense. */
function oracleNet(): { handle: ModelHandle; model: tfl.LayersModel } {
  const w = oracle.weights;
  const input = tfl.input({ shape: [16, 16, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', useBias: false });
  const bn1 = tfl.layers.batchNormalization({ epsilon: w.bn1.epsilon });
  const dw = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false });
  const pw = tfl.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false });
  const bn2 = tfl.layers.batchNormalization({ epsilon: w.bn2.epsilon });
  let x = tfl.layers.reLU().apply(bn1.apply(conv.apply(input))) as tfl.SymbolicTensor;
  const features = tfl.layers.reLU().apply(bn2.apply(pw.apply(dw.apply(x)))) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(features) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ units: 2 });
  const logits = dense.apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [features, logits] });
  const bn = (p: FamOracle['weights']['bn1']) => [p.gamma, p.beta, p.movingMean, p.movingVariance].map((v) => tf.tensor1d(v));
  tf.tidy(() => {
    conv.setWeights([tf.tensor4d(w.conv_kernel)]);
    bn1.setWeights(bn(w.bn1));
    dw.setWeights([tf.tensor4d(w.depthwise_kernel)]);
    pw.setWeights([tf.tensor4d(w.pointwise_kernel)]);
    bn2.setWeights(bn(w.bn2));
    dense.setWeights([tf.tensor2d(w.dense_kernel), tf.tensor1d(w.dense_bias)]);
  });
  const handle = createModelHandle(
    (t) => {
      const [f, l] = model.apply(t, { training: false }) as tf.Tensor[];
      return { featureMap: f as tf.Tensor4D, logits: l! };
    },
    () => ({ kernel: dense.getWeights()[0] as tf.Tensor2D, bias: dense.getWeights()[1] as tf.Tensor1D }),
    { outputKind: 'image', inputSize: 16, numClasses: 2 },
  );
  return { handle, model };
}

/** A smooth (tanh) tiny network, so that central differences are accurate. */
function smoothNet(size: number, seed: number): { handle: ModelHandle; model: tfl.LayersModel } {
  const input = tfl.input({ shape: [size, size, 3] });
  const init = () => tfl.initializers.glorotNormal({ seed: createRng(seed).uint32() });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: init() }).apply(input) as tfl.SymbolicTensor;
  const features = tfl.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(features) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 2, kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [features, logits] });
  const handle = createModelHandle(
    (t) => {
      const [f, l] = model.apply(t, { training: false }) as tf.Tensor[];
      return { featureMap: f as tf.Tensor4D, logits: l! };
    },
    () => {
      throw new Error('unused');
    },
    { outputKind: 'image', inputSize: size, numClasses: 2 },
  );
  return { handle, model };
}

describe('forgeryAttentionMap', () => {
  const models: tfl.LayersModel[] = [];
  afterAll(() => models.forEach((m) => m.dispose()));

  it('matches the float64 oracle (logits and FAM within 1e-5 relative)', () => {
    const { handle, model } = oracleNet();
    models.push(model);
    const x = tf.tensor4d(oracle.input_nhwc);
    const out = handle.forward(x);
    expect(maxRelativeError(out.logits.dataSync(), oracle.logits.flat())).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    const fam = forgeryAttentionMap(handle, x);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(fam.shape).toEqual([2, 16, 16]);
    expect(maxRelativeError(fam.dataSync(), oracle.fam.flat(2))).toBeLessThan(1e-5);
    tf.dispose([x, out.logits, out.featureMap, fam]);
  });

  it('equals central finite differences of O_fake - O_real', () => {
    const size = 8;
    const { handle, model } = smoothNet(size, 5);
    models.push(model);
    const values = createRng(2).fill(new Float32Array(size * size * 3), -2, 2);
    const x = tf.tensor4d(values, [1, size, size, 3]);
    const fam = forgeryAttentionMap(handle, x);
    // One perturbed copy per input element and sign, evaluated in one batch.
    const n = values.length;
    const eps = 1e-2;
    const batch = new Float32Array(2 * n * n);
    for (let k = 0; k < n; k++) {
      batch.set(values, 2 * k * n);
      batch.set(values, (2 * k + 1) * n);
      batch[2 * k * n + k] += eps;
      batch[(2 * k + 1) * n + k] -= eps;
    }
    const gap = tf.tidy(() => {
      const logits = handle.forward(tf.tensor4d(batch, [2 * n, size, size, 3])).logits;
      return tf.sub(tf.slice(logits, [0, 1], [-1, 1]), tf.slice(logits, [0, 0], [-1, 1]));
    });
    const g = gap.dataSync();
    const expected = new Float32Array(size * size);
    for (let k = 0; k < n; k++) {
      const d = Math.abs((g[2 * k]! - g[2 * k + 1]!) / (2 * eps));
      const pixel = Math.floor(k / 3);
      expected[pixel] = Math.max(expected[pixel]!, d);
    }
    expect(maxRelativeError(fam.dataSync(), expected)).toBeLessThan(1e-2);
    tf.dispose([x, fam, gap]);
  });

  it("gives an image the same map whatever the rest of the batch is (inference-mode batch norm)", () => {
    const backbone = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(4));
    const handle = inferenceHandle(backbone);
    const a = createRng(5).fill(new Float32Array(3 * 16 * 16 * 3), -2, 2);
    const b = a.slice();
    createRng(6).fill(b.subarray(16 * 16 * 3), -2, 2); // images 1 and 2 differ, image 0 is shared
    const [fa, fb] = [a, b].map((v) => tf.tidy(() => forgeryAttentionMap(handle, tf.tensor4d(v, [3, 16, 16, 3]))));
    const first = (t: tf.Tensor3D) => Array.from(t.dataSync().subarray(0, 256));
    expect(first(fa!)).toEqual(first(fb!));
    expect(Array.from(fa!.dataSync())).not.toEqual(Array.from(fb!.dataSync()));
    tf.dispose([fa!, fb!]);
    backbone.dispose();
  });

  it("reduces patch logits by mean (default) or sum", () => {
    const size = 8;
    // A 'patch' model: per-pixel logits from a 1x1 convolution, [B, 8, 8, 2].
    const kernel = tf.tensor4d(createRng(9).fill(new Float32Array(6), -1, 1), [1, 1, 3, 2]);
    const handle = createModelHandle(
      (t) => {
        const l = tf.tanh(tf.conv2d(t, kernel, 1, 'same')) as tf.Tensor4D;
        return { featureMap: l, logits: l };
      },
      () => {
        throw new Error('unused');
      },
      { outputKind: 'patch', inputSize: size, numClasses: 2 },
    );
    const x = tf.tensor4d(createRng(3).fill(new Float32Array(2 * size * size * 3), -2, 2), [2, size, size, 3]);
    const mean = forgeryAttentionMap(handle, x);
    const sum = forgeryAttentionMap(handle, x, { patchReduction: 'sum' });
    const scaled = tf.tidy(() => tf.mul(mean, size * size));
    expect(maxRelativeError(sum.dataSync(), scaled.dataSync())).toBeLessThan(1e-5);
    expect(Math.max(...mean.dataSync())).toBeGreaterThan(0);
    expect(() => forgeryAttentionMap(handle, x, { patchReduction: 'max' as 'mean' })).toThrow(InvalidOptionError);
    tf.dispose([kernel, x, mean, sum, scaled]);
  });
});

describe('forgeryAttentionMap with a graph compiler', () => {
  const net = () => createSmallBackbone({ inputSize: 16 }, createRng(9));

  it('compiles once per model, reduction and batch shape (after compileAfter eager passes) and runs the graph after that, with the eager values (never with compile: false)', async () => {
    const backbone = net();
    const model = inferenceHandle(backbone);
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const eager = forgeryAttentionMap(model, x);
    const fake = countingGraphCompiler();
    registerGraphCompiler(tf.getBackend(), fake.compiler);
    try {
      const maps = [forgeryAttentionMap(model, x), forgeryAttentionMap(model, x), forgeryAttentionMap(model, x, { patchReduction: 'sum' })];
      expect([fake.compiles, fake.runs]).toEqual([2, 1]);
      maps.push(forgeryAttentionMap(model, x, { compile: false }));
      expect([fake.compiles, fake.runs]).toEqual([2, 1]);
      expect(Array.from(await maps[3]!.data())).toEqual(Array.from(await eager.data()));
      expect(Array.from(await maps[1]!.data())).toEqual(Array.from(await eager.data()));
      // With compileAfter, a new handle's pass runs eagerly that many times first.
      const later = inferenceHandle(backbone);
      maps.push(...[0, 1, 2].map(() => forgeryAttentionMap(later, x, { compileAfter: 2 })));
      expect([fake.compiles, fake.runs]).toEqual([3, 1]);
      maps.push(forgeryAttentionMap(later, x, { compileAfter: 2 }));
      expect([fake.compiles, fake.runs]).toEqual([3, 2]);
      expect(() => forgeryAttentionMap(later, x, { compileAfter: -1 })).toThrow(InvalidOptionError);
      expect(() => forgeryAttentionMap(later, x, { compileAfter: 1.5, compile: false })).toThrow(InvalidOptionError);
      tf.dispose(maps);
    } finally {
      registerGraphCompiler(tf.getBackend(), undefined);
      tf.dispose([eager, x]);
      backbone.dispose();
    }
  });
});
