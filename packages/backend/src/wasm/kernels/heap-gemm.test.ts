import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../init-backend.js';
import { useSimdKernels, type WasmHeapBackend } from '../simd/heap-module.js';
import { heapGemm, heapGemmAvailable, heapMatMul } from './heap-gemm.js';

const rng = createRng(11);
const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

/** `a · b` (+ bias, ReLU) in float64, as a reference. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transposeA: boolean, bias?: Float32Array, relu = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias?.[j] ?? 0;
      for (let q = 0; q < k; q++) s += a[transposeA ? q * m + i : i * k + q]! * b[q * n + j]!;
      c[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return c;
}

/** Largest difference to `want`, relative to the scale of a sum of `k` products of standard normals. */
function scaledError(got: ArrayLike<number>, want: Float64Array, k: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.sqrt(k));
  return worst;
}

describe('heapGemm: relaxed-SIMD matrix products on the wasm heap', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('runs on the single-threaded build of this Node', () => {
    expect(heapGemmAvailable(tf.backend() as unknown as WasmHeapBackend)).toBe(true);
  });

  it('equals a float64 product for every edge of its tiles (rows mod 4, columns mod 8 and 4, k across its 128-blocks), as stored and transposed (bands of 4 rows packed)', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [4, 3, 8],
      [7, 5, 13],
      [9, 300, 19],
      [13, 513, 182],
      [64, 32, 3],
    ] as [number, number, number][]) {
      for (const transposeA of [false, true]) {
        const a = values(m * k);
        const b = values(k * n);
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const at = transposeA ? tf.tensor2d(a, [k, m]) : tf.tensor2d(a, [m, k]);
          return heapMatMul(at, tf.tensor2d(b, [k, n]), transposeA)!.dataSync();
        });
        expect(tf.memory().numTensors).toBe(before);
        expect(scaledError(got, reference(a, b, m, k, n, transposeA), k), `${m}x${k}x${n} transposeA=${transposeA}`).toBeLessThan(1e-5);
      }
    }
  });

  it('adds the bias and clamps at zero only after the last block of the sum', () => {
    const [m, k, n] = [6, 600, 11];
    const a = values(m * k);
    const b = values(k * n);
    const bias = values(n);
    const backend = tf.backend() as unknown as WasmHeapBackend;
    for (const relu of [false, true]) {
      const got = tf.tidy(() => {
        const inputs = [tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]), tf.tensor1d(bias)] as const;
        const out = heapGemm(backend, inputs[0], inputs[1], { m, k, n }, { bias: inputs[2], relu })!;
        return tf.engine().makeTensorFromTensorInfo(out).dataSync();
      });
      const want = reference(a, b, m, k, n, false, bias, relu);
      expect(scaledError(got, want, k), `relu=${relu}`).toBeLessThan(1e-5);
      if (relu) expect(Array.from(got).some((v, i) => v === 0 && want[i]! === 0)).toBe(true);
    }
  });

  it('returns null where it cannot run: SIMD kernels off, or not on wasm', async () => {
    const previous = useSimdKernels(false);
    try {
      expect(tf.tidy(() => heapMatMul(tf.ones([2, 2]) as tf.Tensor2D, tf.ones([2, 2]) as tf.Tensor2D) ?? undefined)).toBeUndefined();
    } finally {
      useSimdKernels(previous);
    }
    await tf.setBackend('cpu');
    expect(tf.tidy(() => heapMatMul(tf.ones([2, 2]) as tf.Tensor2D, tf.ones([2, 2]) as tf.Tensor2D) ?? undefined)).toBeUndefined();
    await tf.setBackend('wasm');
  });

  // e = 2^-12: (1 + e)² − (1 + 2e) = e² = 2^-24 exactly. A fused multiply-add keeps it; a product
  // rounded to float32 first (XNNPACK) ties to 1 + 2e and gives 0. So a 1x1 convolution that returns
  // 2^-24 ran the relaxed-SIMD GEMM.
  const e = 2 ** -12;
  const fusedProbe = (): number =>
    tf.tidy(() => tf.conv2d(tf.tensor4d([-1, 1 + e], [1, 1, 1, 2]), tf.tensor4d([1 + 2 * e, 1 + e], [1, 1, 2, 1]), 1, 'valid').dataSync()[0]!);
  const fusedInHardware = (): boolean =>
    tf.tidy(() => {
      const product = heapMatMul(tf.tensor2d([-1, 1 + e], [1, 2]), tf.tensor2d([1 + 2 * e, 1 + e], [2, 1]));
      return product !== null && product.dataSync()[0] === 2 ** -24;
    });

  it('runs the 1x1 convolutions of Conv2D (XNNPACK otherwise)', (context) => {
    if (!fusedInHardware()) context.skip('the GEMM does not run here or relaxed_madd is not fused on this CPU, so the two paths give the same bits');
    expect(fusedProbe()).toBe(2 ** -24);
    const previous = useSimdKernels(false);
    try {
      expect(fusedProbe()).toBe(0);
    } finally {
      useSimdKernels(previous);
    }
  });

  it('gives 1x1 Conv2D and its gradients the values of the cpu backend (odd channels, rows and k beyond one block)', async () => {
    const x = values(2 * 5 * 7 * 300);
    const w = values(300 * 182);
    const dyValues = values(2 * 5 * 7 * 182);
    const run = (): number[][] =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [2, 5, 7, 300]);
        const wt = tf.tensor4d(w, [1, 1, 300, 182]);
        const dy = tf.tensor4d(dyValues, [2, 5, 7, 182]);
        const { grads, value } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dy)))([xt, wt]);
        return [Array.from(value.dataSync()), ...grads.map((g) => Array.from(g.dataSync()))];
      });
    const before = tf.memory().numTensors;
    const wasm = run();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend('wasm');
    for (let t = 0; t < cpu.length; t++) {
      const scale = Math.max(...cpu[t]!.map(Math.abs));
      const worst = Math.max(...cpu[t]!.map((v, i) => Math.abs(v - wasm[t]![i]!)));
      expect(worst / scale, ['sum', 'dx', 'dw'][t]).toBeLessThan(1e-5);
    }
  });
});
