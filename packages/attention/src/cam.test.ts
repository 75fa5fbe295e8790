import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPILE_AFTER_RUNS, createModelHandle, createRng, createSmallBackbone, inferenceHandle, InvalidOptionError, registerGraphCompiler, type ModelHandle } from '@rfm/core';
import { countingGraphCompiler } from '@rfm/core/testing';
import { classActivationMap, HeadMismatchError } from './cam.js';

/** Reference bilinear resize with half-pixel centres and edge clamping, one [h, w] map. */
function resizeReference(src: number[][], height: number, width: number): number[][] {
  const h = src.length;
  const w = src[0]!.length;
  const coord = (i: number, n: number, size: number) => Math.min(n - 1, Math.max(0, ((i + 0.5) * n) / size - 0.5));
  return Array.from({ length: height }, (_, y) => {
    const sy = coord(y, h, height);
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    return Array.from({ length: width }, (_, x) => {
      const sx = coord(x, w, width);
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const top = src[y0]![x0]! + (src[y0]![x1]! - src[y0]![x0]!) * (sx - x0);
      const bottom = src[y1]![x0]! + (src[y1]![x1]! - src[y1]![x0]!) * (sx - x0);
      return top + (bottom - top) * (sy - y0);
    });
  });
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

describe('classActivationMap on a hand-set network', () => {
  // Feature map = 4x4 average pooling of an 8x8 input (2x2 map, K = 3 channels); head = GAP + dense.
  const kernel = tf.tensor2d([[0, 1], [2, 0], [0, -1]], [3, 2]); // class 1 (fake) = ch0 - ch2, class 0 = 2 ch1
  const bias = tf.tensor1d([0.5, -0.25]);
  const model: ModelHandle = createModelHandle(
    (x) =>
      tf.tidy(() => {
        const featureMap = tf.avgPool(x, 4, 4, 'valid') as tf.Tensor4D;
        const logits = tf.add(tf.matMul(tf.mean(featureMap, [1, 2]) as tf.Tensor2D, kernel), bias);
        return { featureMap, logits };
      }),
    () => ({ kernel, bias }),
    { inputSize: 8, outputKind: 'image', numClasses: 2 },
  );
  // Image 0: constant per 4x4 quadrant so the pooled map is exact.
  const quadrant = (values: number[][], y: number, x: number) => values[Math.floor(y / 4) * 2 + Math.floor(x / 4)]!;
  const q0 = [[1, 0, 0], [3, 1, 0], [0, 2, 1], [5, 0, 4]]; // [quadrant][channel]
  const q1 = [[0, 0, 0], [0, 0, 2], [1, 1, 1], [2, 0, 0]];
  const pixels: number[] = [];
  for (const q of [q0, q1]) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) pixels.push(...quadrant(q, y, x));
  const images = tf.tensor4d(pixels, [2, 8, 8, 3]);
  afterAll(() => tf.dispose([kernel, bias, images]));

  const fakeCam = (q: number[][]) => q.map((c) => c[0]! - c[2]!);
  const realCam = (q: number[][]) => q.map((c) => 2 * c[1]!);

  it('is Σ_k W[k, c] f_k at feature resolution', () => {
    const cam = classActivationMap(model, images, { upsample: false, normalize: false });
    expect(cam.shape).toEqual([2, 2, 2]);
    expectClose(cam.dataSync(), [...fakeCam(q0), ...fakeCam(q1)]);
    const real = classActivationMap(model, images, { target: 'real', upsample: false, normalize: false });
    expectClose(real.dataSync(), [...realCam(q0), ...realCam(q1)]);
    const gap = classActivationMap(model, images, { target: 'fake-minus-real', upsample: false, normalize: false });
    expectClose(gap.dataSync(), [...fakeCam(q0), ...fakeCam(q1)].map((v, i) => v - [...realCam(q0), ...realCam(q1)][i]!));
    const byLabel = classActivationMap(model, images, { target: 'label', labels: [0, 1], upsample: false, normalize: false });
    expectClose(byLabel.dataSync(), [...realCam(q0), ...fakeCam(q1)]);
    const byIndex = classActivationMap(model, images, { target: 0, upsample: false, normalize: false });
    expectClose(byIndex.dataSync(), real.dataSync());
    tf.dispose([cam, real, gap, byLabel, byIndex]);
  });

  it('upsamples bilinearly with half-pixel centres and min-max normalises per image', () => {
    const raw = classActivationMap(model, images, { upsample: true, normalize: false });
    expect(raw.shape).toEqual([2, 8, 8]);
    const expected = [q0, q1].flatMap((q) => {
      const c = fakeCam(q);
      return resizeReference([[c[0]!, c[1]!], [c[2]!, c[3]!]], 8, 8).flat();
    });
    expectClose(raw.dataSync(), expected);
    const norm = classActivationMap(model, images);
    const values = norm.dataSync();
    for (let b = 0; b < 2; b++) {
      const mine = expected.slice(b * 64, b * 64 + 64);
      const lo = Math.min(...mine);
      const hi = Math.max(...mine);
      expectClose(values.subarray(b * 64, b * 64 + 64), mine.map((v) => (v - lo) / (hi - lo)));
    }
    tf.dispose([raw, norm]);
  });

  it('maps a constant CAM to zeros instead of dividing by zero', () => {
    const flat = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
    const cam = classActivationMap(model, flat);
    expect(Array.from(cam.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([flat, cam]);
  });

  it('rejects bad targets and missing labels with typed errors', () => {
    expect(() => classActivationMap(model, images, { target: 'label' })).toThrow(InvalidOptionError);
    expect(() => classActivationMap(model, images, { target: 'label', labels: [0] })).toThrow(InvalidOptionError);
    expect(() => classActivationMap(model, images, { target: 'label', labels: [0, 2] })).toThrow(InvalidOptionError);
    expect(() => classActivationMap(model, images, { target: 2 })).toThrow(InvalidOptionError);
    expect(() => classActivationMap(model, images, { target: 'both' as never })).toThrow(InvalidOptionError);
  });

  it('throws HeadMismatchError when the kernel does not read the feature map', () => {
    const wrong = tf.zeros([5, 2]) as tf.Tensor2D;
    const bad = createModelHandle(model.forward, () => ({ kernel: wrong, bias: null }), {
      inputSize: 8,
      outputKind: 'image',
      numClasses: 2,
    });
    expect(() => classActivationMap(bad, images)).toThrow(HeadMismatchError);
    wrong.dispose();
  });

  it('leaks no tensors, including on errors', () => {
    classActivationMap(model, images).dispose();
    const before = tf.memory().numTensors;
    classActivationMap(model, images).dispose();
    classActivationMap(model, images, { target: 'label', labels: [1, 0], upsample: false }).dispose();
    expect(() => classActivationMap(model, images, { target: 7 })).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('classActivationMap on the small backbone', () => {
  it('averages to the logit minus the bias (GAP + dense identity)', () => {
    const backbone = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(5));
    const model = inferenceHandle(backbone);
    const images = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const cam = classActivationMap(model, images, { upsample: false, normalize: false });
    expect(cam.shape).toEqual([3, 8, 8]);
    const meanCam = tf.mean(cam, [1, 2]);
    const out = model.forward(images);
    const logits = out.logits.arraySync() as number[][];
    const head = backbone.classifier();
    const b = head.bias!.arraySync() as number[];
    tf.dispose([head.kernel, head.bias!]);
    expectClose(meanCam.dataSync(), logits.map((l) => l[1]! - b[1]!));
    tf.dispose([cam, meanCam, out.featureMap, out.logits]);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    backbone.dispose();
  });
});

describe('classActivationMap with a graph compiler', () => {
  it('compiles only the forward pass, once it has repeated, so each batch keeps its own labels', async () => {
    const backbone = createSmallBackbone({ inputSize: 16 }, createRng(12));
    const model = inferenceHandle(backbone);
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const eager = [classActivationMap(model, x, { target: 'label', labels: [0, 1] }), classActivationMap(model, x, { target: 'label', labels: [1, 0] })];
    const fake = countingGraphCompiler();
    registerGraphCompiler(tf.getBackend(), fake.compiler);
    try {
      const before = tf.memory().numTensors;
      const handle = inferenceHandle(backbone);
      for (let run = 0; run <= COMPILE_AFTER_RUNS + 2; run++) {
        const labels = run % 2 === 0 ? [0, 1] : [1, 0];
        const cam = classActivationMap(handle, x, { target: 'label', labels });
        expect(Array.from(await cam.data())).toEqual(Array.from(await eager[run % 2]!.data()));
        cam.dispose();
      }
      expect([fake.compiles, fake.runs]).toEqual([1, 2]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      registerGraphCompiler(tf.getBackend(), undefined);
      tf.dispose([...eager, x]);
      backbone.dispose();
    }
  });
});
