import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backbone, COMPILE_AFTER_RUNS, createModelHandle, createRng, createSmallBackbone, inferenceHandle, type ModelHandle, registerGraphCompiler } from '@rfm/core';
import { countingGraphCompiler } from '@rfm/core/testing';
import { classActivationMap, HeadMismatchError } from './cam.js';
import { gradCam, gradCamPlusPlus } from './grad-cam.js';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

const minMax = (v: number[]): number[] => {
  const lo = Math.min(...v);
  const span = Math.max(...v) - lo;
  return v.map((x) => (span > 0 ? (x - lo) / span : 0));
};

describe('Grad-CAM and Grad-CAM++ on the small backbone (GAP + dense head)', () => {
  let backbone: Backbone;
  let model: ModelHandle;
  let images: tf.Tensor4D;
  beforeAll(() => {
    backbone = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(5));
    model = inferenceHandle(backbone);
    images = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  });
  afterAll(() => {
    images.dispose();
    backbone.dispose();
  });

  it('Grad-CAM equals ReLU(CAM) / (h·w) for every target', () => {
    for (const target of ['fake', 'real', 'fake-minus-real'] as const) {
      const cam = classActivationMap(model, images, { target, upsample: false, normalize: false });
      const grad = gradCam(model, images, { target, upsample: false, normalize: false });
      expect(grad.shape).toEqual([3, 8, 8]);
      const expected = Array.from(cam.dataSync(), (v) => Math.max(0, v) / 64);
      expectClose(grad.dataSync(), expected, 5);
      // Non-trivial: some positions are clipped by the ReLU and some are not.
      expect(expected.some((v) => v === 0)).toBe(true);
      expect(expected.some((v) => v > 0)).toBe(true);
      tf.dispose([cam, grad]);
    }
  });

  it('compiles its forward pass once it has repeated, with the eager maps and no tensor left behind', () => {
    const eager = [gradCam(model, images), gradCamPlusPlus(model, images)].map((t) => {
      const values = Array.from(t.dataSync());
      t.dispose();
      return values;
    });
    const fake = countingGraphCompiler();
    registerGraphCompiler(tf.getBackend(), fake.compiler);
    try {
      const owner = inferenceHandle(backbone);
      const before = tf.memory().numTensors;
      for (let run = 0; run <= COMPILE_AFTER_RUNS; run++) {
        const maps = [gradCam(owner, images), gradCamPlusPlus(owner, images)];
        expectClose(maps[0]!.dataSync(), eager[0]!, 5);
        expectClose(maps[1]!.dataSync(), eager[1]!, 5);
        tf.dispose(maps);
      }
      // Both methods share one forward pass per model and batch shape: compiled once, then run.
      expect(fake.compiles).toBe(1);
      expect(fake.runs).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      registerGraphCompiler(tf.getBackend(), undefined);
    }
  });

  it('normalised Grad-CAM is the min-max of ReLU(CAM), per image', () => {
    const cam = classActivationMap(model, images, { target: 'label', labels: [0, 1, 1], upsample: false, normalize: false });
    const grad = gradCam(model, images, { target: 'label', labels: [0, 1, 1], upsample: false });
    const raw = Array.from(cam.dataSync(), (v) => Math.max(0, v));
    const expected = [0, 1, 2].flatMap((b) => minMax(raw.slice(b * 64, b * 64 + 64)));
    expectClose(grad.dataSync(), expected, 4);
    const up = gradCam(model, images);
    expect(up.shape).toEqual([3, 32, 32]);
    tf.dispose([cam, grad, up]);
  });

  it('Grad-CAM++ matches the closed-form weights computed by hand', () => {
    const grad = gradCamPlusPlus(model, images, { upsample: false, normalize: false });
    const out = model.forward(images);
    const f = out.featureMap.arraySync(); // [B][h][w][K]
    const head = backbone.classifier();
    const kernel = head.kernel.arraySync(); // [K][C]
    tf.dispose([head.kernel, ...(head.bias ? [head.bias] : [])]);
    const expected: number[] = [];
    for (const fb of f) {
      const hw = fb.length * fb[0]!.length;
      const k = fb[0]![0]!.length;
      const weights = Array.from({ length: k }, (_, c) => {
        const g = kernel[c]![1]! / hw; // d(logit_fake)/d f_k(i, j), the same at every position
        const sum = fb.flat().reduce((s, px) => s + px[c]!, 0);
        const denominator = 2 * g * g + sum * g ** 3;
        const alpha = denominator !== 0 ? (g * g) / denominator : 0;
        return hw * alpha * Math.max(0, g);
      });
      for (const row of fb) for (const px of row) expected.push(Math.max(0, px.reduce((s, v, c) => s + v * weights[c]!, 0)));
    }
    const scale = Math.max(...expected);
    expect(scale).toBeGreaterThan(0);
    expectClose(Array.from(grad.dataSync(), (v) => v / scale), expected.map((v) => v / scale), 4);
    tf.dispose([grad, out.featureMap, out.logits]);
  });

  it('leaks no tensors', () => {
    gradCam(model, images).dispose();
    gradCamPlusPlus(model, images).dispose();
    const before = tf.memory().numTensors;
    gradCam(model, images).dispose();
    gradCamPlusPlus(model, images, { target: 'real' }).dispose();
    gradCam(model, images, { target: 'label', labels: [1, 0, 1], upsample: false }).dispose();
    expect(() => gradCam(model, images, { target: 'label' })).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Grad-CAM heads', () => {
  // Feature map = 2x2 average pooling of a 4x4 input (K = 3).
  const kernel = tf.tensor2d([[1, -1], [0.5, 2], [-1, 0.25]], [3, 2]);
  const bias = tf.tensor1d([0.1, -0.2]);
  const images = tf.tensor4d(createRng(2).fill(new Float32Array(2 * 4 * 4 * 3), -1, 1), [2, 4, 4, 3]);
  afterAll(() => tf.dispose([kernel, bias, images]));
  const pool = (x: tf.Tensor4D) => tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
  const handle = (head: (f: tf.Tensor4D) => tf.Tensor, kind: 'image' | 'patch') =>
    createModelHandle(
      (x) => tf.tidy(() => {
        const featureMap = pool(x);
        return { featureMap, logits: head(featureMap) };
      }),
      () => ({ kernel, bias }),
      { inputSize: 4, outputKind: kind, numClasses: 2 },
    );

  it('patch models: per-position dense head, Grad-CAM = ReLU(CAM) / (h·w)', () => {
    const model = handle((f) => tf.add(tf.reshape(tf.matMul(tf.reshape(f, [-1, 3]) as tf.Tensor2D, kernel), [2, 2, 2, 2]), bias), 'patch');
    const cam = classActivationMap(model, images, { upsample: false, normalize: false });
    const grad = gradCam(model, images, { upsample: false, normalize: false });
    expectClose(grad.dataSync(), Array.from(cam.dataSync(), (v) => Math.max(0, v) / 4), 5);
    tf.dispose([cam, grad]);
  });

  it('differentiates a custom non-linear head: logits = GAP(f²)·W', () => {
    const head = (f: tf.Tensor4D) => tf.add(tf.matMul(tf.mean(tf.square(f), [1, 2]) as tf.Tensor2D, kernel), bias);
    const model = handle(head, 'image');
    const grad = gradCam(model, images, { head, upsample: false, normalize: false });
    const out = model.forward(images);
    const f = out.featureMap.arraySync();
    const w = kernel.arraySync();
    // d/df_k(i,j) of mean(f_k²)·W[k,1] = 2 f_k(i,j) W[k,1] / 4; alpha_k = spatial mean of that.
    const expected = f.flatMap((fb) => {
      const alpha = [0, 1, 2].map((k) => (fb.flat().reduce((s, px) => s + 2 * px[k]! * w[k]![1]! / 4, 0)) / 4);
      return fb.flat().map((px) => Math.max(0, px.reduce((s, v, k) => s + v * alpha[k]!, 0)));
    });
    expect(expected.some((v) => v > 0)).toBe(true);
    expectClose(grad.dataSync(), expected, 5);
    tf.dispose([grad, out.featureMap, out.logits]);
  });

  it('throws HeadMismatchError when the rebuilt head does not reproduce the logits', () => {
    const maxHead = (f: tf.Tensor4D) => tf.add(tf.matMul(tf.max(f, [1, 2]) as tf.Tensor2D, kernel), bias);
    const model = handle(maxHead, 'image');
    const before = tf.memory().numTensors;
    expect(() => gradCam(model, images)).toThrow(HeadMismatchError);
    expect(() => gradCamPlusPlus(model, images)).toThrow(HeadMismatchError);
    expect(tf.memory().numTensors).toBe(before);
    // The same model is fine once its real head is given.
    gradCam(model, images, { head: maxHead }).dispose();
    // A patch model declared as an image model: logits shapes differ.
    const patch = handle((f) => tf.add(tf.reshape(tf.matMul(tf.reshape(f, [-1, 3]) as tf.Tensor2D, kernel), [2, 2, 2, 2]), bias), 'image');
    expect(() => gradCam(patch, images)).toThrow(/gives logits \[2, 2\] but the model returns \[2, 2, 2, 2\]/);
  });
});
