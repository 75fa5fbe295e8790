import * as tf from '@tensorflow/tfjs-core';
import { convBiasActivation, createRng } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../init-backend.js';
import { useSimdKernels } from '../simd/heap-module.js';
import { convGeometry } from './conv-geometry.js';
import { imagesPerPatchGemm, patchMatrix, setPatchLimit } from './gemm-conv.js';

const rng = createRng(5);
const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

type Case = { readonly x: [number, number, number, number]; readonly f: [number, number, number, number]; readonly stride: number; readonly pad: 'same' | 'valid' | number };

const CASES: Case[] = [
  { x: [2, 9, 11, 5], f: [3, 3, 5, 12], stride: 1, pad: 'same' },
  { x: [2, 13, 12, 3], f: [3, 3, 3, 9], stride: 2, pad: 'valid' },
  { x: [1, 10, 9, 6], f: [3, 3, 6, 8], stride: 2, pad: 'same' },
  { x: [2, 8, 7, 10], f: [1, 1, 10, 20], stride: 2, pad: 'same' },
  { x: [1, 7, 7, 4], f: [5, 5, 4, 6], stride: 1, pad: 2 },
];

/** Output, input gradient and filter gradient of `sum(conv2d(x, f) · dy)` on the active backend. */
function convAndGradients(c: Case, x: Float32Array, f: Float32Array, dySeed: number): number[][] {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const ft = tf.tensor4d(f, c.f);
    const y = tf.conv2d(xt, ft, c.stride, c.pad);
    const dy = tf.tensor4d(createRng(dySeed).fill(new Float32Array(y.size), -1, 1), y.shape as [number, number, number, number]);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)))([xt, ft]);
    return [y, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe('convolutions as GEMMs on the wasm heap', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('builds the patch matrix of a padded, strided window in the filter-row order', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const g = convGeometry(x.shape, [2, 2, 1, 1], 2, 'same', undefined, false);
    const before = tf.memory().numTensors;
    const patches = patchMatrix(x, g)!;
    // Windows at (0,0), (0,2), (2,0), (2,2); the bottom and right ones run into the zero padding.
    expect(patches.shape).toEqual([1, 2, 2, 4]);
    expect(Array.from(patches.dataSync())).toEqual([1, 2, 4, 5, 3, 0, 6, 0, 7, 8, 0, 0, 9, 0, 0, 0]);
    patches.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('gives every convolution and both gradients the values of the cpu backend (3x3, 5x5, strided 1x1, padding)', async () => {
    for (const [i, c] of CASES.entries()) {
      const x = values(c.x.reduce((a, b) => a * b));
      const f = values(c.f.reduce((a, b) => a * b));
      const before = tf.memory().numTensors;
      const wasm = convAndGradients(c, x, f, i);
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
      const cpu = convAndGradients(c, x, f, i);
      await tf.setBackend('wasm');
      cpu.forEach((want, t) => {
        const scale = Math.max(...want.map(Math.abs));
        expect(Math.max(...want.map((v, k) => Math.abs(v - wasm[t]![k]!))) / scale, `${JSON.stringify(c)}: ${['y', 'dx', 'dw'][t]}`).toBeLessThan(1e-5);
      });
    }
  });

  it('gives the same values through XNNPACK and the composite gradients (rfm.js SIMD kernels off)', () => {
    const c = CASES[0]!;
    const x = values(c.x.reduce((a, b) => a * b));
    const f = values(c.f.reduce((a, b) => a * b));
    const gemm = convAndGradients(c, x, f, 9);
    const previous = useSimdKernels(false);
    try {
      const xnnpack = convAndGradients(c, x, f, 9);
      xnnpack.forEach((want, t) => {
        const scale = Math.max(...want.map(Math.abs));
        expect(Math.max(...want.map((v, k) => Math.abs(v - gemm[t]![k]!))) / scale).toBeLessThan(1e-5);
      });
    } finally {
      useSimdKernels(previous);
    }
  });

  it('runs convolutions whose patch matrix passes the limit over chunks of images, with the values of one GEMM', () => {
    // 5 images; the limit admits 2 images' patches: chunks of 2, 2 and 1.
    const chunked: Case[] = [
      { x: [5, 9, 11, 5], f: [3, 3, 5, 12], stride: 1, pad: 'same' },
      { x: [5, 13, 12, 3], f: [3, 3, 3, 9], stride: 2, pad: 'valid' },
    ];
    for (const [i, c] of chunked.entries()) {
      const x = values(c.x.reduce((a, b) => a * b));
      const f = values(c.f.reduce((a, b) => a * b));
      const bias = values(c.f[3]);
      const withBias = (): number[] =>
        tf.tidy(() => Array.from(convBiasActivation(tf.tensor4d(x, c.x), tf.tensor4d(f, c.f), tf.tensor1d(bias), { strides: [c.stride, c.stride], pad: c.pad as 'same' | 'valid', activation: 'relu' }).dataSync()));
      const whole = [...convAndGradients(c, x, f, i), withBias()];
      const g = convGeometry(c.x, c.f, c.stride, c.pad, undefined, false);
      const perImage = g.outHeight * g.outWidth * c.f[0] * c.f[1] * c.f[2];
      const before = tf.memory().numTensors;
      setPatchLimit(2 * perImage + 1);
      try {
        const parts = [...convAndGradients(c, x, f, i), withBias()];
        expect(tf.memory().numTensors).toBe(before);
        // Rows of a GEMM, and each image's column scatter, do not depend on the other images.
        expect(parts[0], `${JSON.stringify(c)}: y`).toEqual(whole[0]);
        expect(parts[1], `${JSON.stringify(c)}: dx`).toEqual(whole[1]);
        expect(parts[3], `${JSON.stringify(c)}: fused`).toEqual(whole[3]);
        // The filter gradient is the sum of the chunks' products (each chunk fits the limit alone).
        const bySlices = tf.tidy(() => {
          const xt = tf.tensor4d(x, c.x);
          const y = tf.conv2d(xt, tf.tensor4d(f, c.f), c.stride, c.pad);
          const dy = tf.tensor4d(createRng(i).fill(new Float32Array(y.size), -1, 1), y.shape as [number, number, number, number]);
          const chunkGradient = (start: number, size: number): tf.Tensor =>
            tf.engine().runKernel(
              tf.Conv2DBackpropFilter,
              { x: tf.slice(xt, start, size), dy: tf.slice(dy, start, size) },
              { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
          return Array.from(tf.addN([chunkGradient(0, 2), chunkGradient(2, 2), chunkGradient(4, 1)]).dataSync());
        });
        expect(parts[2], `${JSON.stringify(c)}: dw`).toEqual(bySlices);
        // Below one image's patches, XNNPACK and the zero-insertion form run instead: still the same values.
        setPatchLimit(perImage - 1);
        const fallback = convAndGradients(c, x, f, i);
        fallback.forEach((got, t) => {
          const s = Math.max(...whole[t]!.map(Math.abs));
          expect(Math.max(...whole[t]!.map((v, k) => Math.abs(v - got[k]!))) / s).toBeLessThan(1e-5);
        });
      } finally {
        setPatchLimit();
      }
    }
  });

  it('never splits a 1x1, stride-1 convolution into chunks: its patch matrix is the input itself', () => {
    const c: Case = { x: [5, 6, 7, 8], f: [1, 1, 8, 12], stride: 1, pad: 'valid' };
    const x = values(c.x.reduce((a, b) => a * b));
    const f = values(c.f.reduce((a, b) => a * b));
    const whole = convAndGradients(c, x, f, 3);
    const g = convGeometry(c.x, c.f, c.stride, c.pad, undefined, false);
    expect(imagesPerPatchGemm(c.x, g)).toBe(5);
    // A limit that admits 2 images' inputs: a chunked filter gradient would sum 3 chunk products.
    setPatchLimit(2 * 6 * 7 * 8 + 1);
    try {
      expect(imagesPerPatchGemm(c.x, g)).toBe(5);
      expect(convAndGradients(c, x, f, 3)).toEqual(whole);
    } finally {
      setPatchLimit();
    }
  });
});
