import { readdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../init-backend.js';
import { depthwiseBackpropFilterOp } from '../kernels/depthwise-backprop-filter.js';
import { adamWasm } from './adam.generated.js';
import { batchNormWasm } from './batch-norm.generated.js';
import { col2imWasm } from './col2im.generated.js';
import { depthwiseConvWasm } from './depthwise-conv.generated.js';
import { depthwiseFilterGradWasm } from './depthwise-filter-grad.generated.js';
import { gemmWasm } from './gemm.generated.js';
import { im2colWasm } from './im2col.generated.js';
import { heapGemmAvailable } from '../kernels/heap-gemm.js';
import { maxPoolGradWasm } from './max-pool-grad.generated.js';
import { reluGradWasm } from './relu-grad.generated.js';
import { transposeWasm } from './transpose.generated.js';
import { transposeMatrix } from '../kernels/conv-geometry.js';
import { heapModule, type HeapModuleSource, type WasmHeapBackend } from './heap-module.js';
// The generator script, so that the test assembles exactly as it does.
// @ts-expect-error: a JavaScript module without declarations
import { assemble, loadWabt } from '../../../../../scripts/build-wasm-kernels.mjs';

describe('rfm.js WebAssembly SIMD kernels', () => {
  const generated: Record<string, HeapModuleSource> = { adam: adamWasm, 'batch-norm': batchNormWasm, col2im: col2imWasm, 'depthwise-conv': depthwiseConvWasm, 'depthwise-filter-grad': depthwiseFilterGradWasm, gemm: gemmWasm, im2col: im2colWasm, 'max-pool-grad': maxPoolGradWasm, 'relu-grad': reluGradWasm, transpose: transposeWasm };

  it('every .wat source has its generated module, equal to the assembled source (re-run scripts/build-wasm-kernels.mjs after editing one)', async () => {
    const sources = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.wat'));
    expect(sources.map((f) => f.slice(0, -4)).sort()).toEqual(Object.keys(generated).sort());
    const wabt = await loadWabt();
    for (const file of sources) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      const module = generated[file.slice(0, -4)]!;
      expect(module.plain, file).toBe(assemble(wabt, file, source, false));
      expect(module.shared, `${file} (shared memory)`).toBe(assemble(wabt, file, source, true));
    }
  });

  it('every module instantiates on the single-threaded wasm heap', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as unknown as WasmHeapBackend;
    // The GEMM needs relaxed SIMD, which Node 20 validates once the flag is set (heapGemmAvailable sets it).
    expect(heapGemmAvailable(backend)).toBe(true);
    for (const [name, base64] of Object.entries(generated)) expect(heapModule(base64, backend), name).not.toBeNull();
    await tf.setBackend('cpu');
  });

  it('runs on the wasm heap and equals the composite filter gradient (odd channels, padding, strides 1 and 2)', async () => {
    await initBackend('wasm');
    const rng = createRng(3);
    for (const [shape, k, stride, pad] of [
      [[3, 13, 11, 182], 3, 1, 'same'],
      [[2, 17, 17, 30], 3, 2, 'same'],
      [[2, 9, 10, 7], 3, 2, 1],
      [[1, 6, 6, 8], 1, 1, 'valid'],
    ] as [[number, number, number, number], number, number, 'same' | number | 'valid'][]) {
      const before = tf.memory().numTensors;
      const error = tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()), shape);
        const y = tf.depthwiseConv2d(x, tf.zeros([k, k, shape[3], 1]) as tf.Tensor4D, stride, pad);
        const dy = tf.tensor4d(Float32Array.from({ length: y.size }, () => rng.normal()), y.shape as [number, number, number, number]);
        const attrs = { strides: stride, dilations: 1, pad, filterShape: [k, k, shape[3], 1] } as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
        const simd = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        const composite = depthwiseBackpropFilterOp(x, dy, attrs);
        return tf.max(tf.abs(tf.sub(simd, composite))).dataSync()[0]! / tf.max(tf.abs(composite)).dataSync()[0]!;
      });
      expect(error, JSON.stringify(shape)).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    }
    await tf.setBackend('cpu');
  });

  it('transposes matrices of every remainder shape equal to tf.transpose on cpu', async () => {
    await initBackend('wasm');
    for (const [m, c] of [
      [4, 4],
      [37, 33],
      [64, 182],
      [4096, 8],
      [5, 3],
      [1, 7],
    ] as [number, number][]) {
      const values = Float32Array.from({ length: m * c }, (_, i) => i * 0.5 - 3);
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => Array.from(transposeMatrix(tf.tensor2d(values, [m, c])).dataSync()));
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
      const want = tf.tidy(() => Array.from(tf.transpose(tf.tensor2d(values, [m, c])).dataSync()));
      expect(got, `[${m}, ${c}]`).toEqual(want);
      await tf.setBackend('wasm');
    }
    await tf.setBackend('cpu');
  });
});
