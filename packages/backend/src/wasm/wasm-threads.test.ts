import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchNormTraining } from '@rfm/core';
import '@tensorflow/tfjs-backend-wasm'; // registers the wasm flag that withWasmThreads sets
import { startWasmModule, withWasmThreads, writeThreadedWorker } from './wasm-threads.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A depthwise convolution, a max pool and a training batch norm, differentiated: the three kernels
 * rfm.js runs in WebAssembly SIMD on wasm (source text, run in the child and here on cpu).
 */
const SIMD_NETWORK = `function simdNetworkGradients(tf, batchNormTraining) {
  return tf.tidy(() => {
    const x = tf.reshape(tf.cos(tf.range(0, 2 * 9 * 9 * 6)), [2, 9, 9, 6]);
    const dw = tf.reshape(tf.sin(tf.range(0, 3 * 3 * 6)), [3, 3, 6, 1]);
    const gamma = tf.linspace(0.5, 1.5, 6);
    const beta = tf.linspace(-1, 1, 6);
    const f = (a, k) => {
      const pooled = tf.maxPool(tf.depthwiseConv2d(a, k, 1, 'same'), 3, 2, 'same');
      const { y } = batchNormTraining(pooled, gamma, beta, 1e-3);
      return tf.sum(tf.mul(y, tf.reshape(tf.range(0, y.size), y.shape)));
    };
    return tf.grads(f)([x, dw]).map((t) => Array.from(t.dataSync()));
  });
}`;
const root = join(here, '..', '..', '..', '..');
const require = createRequire(import.meta.url);

describe('threaded wasm (shim)', () => {
  it('writes a worker that loads the threaded module from disk instead of a blob URL', () => {
    const path = writeThreadedWorker();
    expect(path.endsWith('.cjs')).toBe(true);
    expect(writeThreadedWorker()).toBe(path); // same content, same file
  });

  it('initialises wasm with 2 XNNPACK threads in a child process and computes what cpu computes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfm-threads-'));
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      [
        `import * as tf from ${JSON.stringify(pathToFileURL(require.resolve('@tensorflow/tfjs-core')).href)};`,
        `import { getThreadsCount } from ${JSON.stringify(pathToFileURL(require.resolve('@tensorflow/tfjs-backend-wasm')).href)};`,
        `import { initBackend } from ${JSON.stringify(pathToFileURL(join(here, '..', 'index.ts')).href)};`,
        `const report = await initBackend('wasm', { threads: 2 });`,
        `const x = tf.reshape(tf.range(0, 2 * 12 * 12 * 8), [2, 12, 12, 8]);`,
        `const w = tf.reshape(tf.sin(tf.range(0, 3 * 3 * 8 * 16)), [3, 3, 8, 16]);`,
        `const y = tf.conv2d(tf.div(x, 100) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');`,
        `import { batchNormTraining } from ${JSON.stringify(pathToFileURL(join(here, '..', '..', '..', 'core', 'src', 'index.ts')).href)};`,
        `const shared = (tf.backend() as any).wasm.wasmMemory.buffer instanceof SharedArrayBuffer;`,
        `import { heapModule } from ${JSON.stringify(pathToFileURL(join(here, 'simd', 'heap-module.ts')).href)};`,
        `import { batchNormWasm } from ${JSON.stringify(pathToFileURL(join(here, 'simd', 'batch-norm.generated.ts')).href)};`,
        `const simd = heapModule(batchNormWasm, tf.backend() as any) !== null;`,
        `${SIMD_NETWORK}`,
        `const g = simdNetworkGradients(tf, batchNormTraining);`,
        `import { heapGemmAvailable, heapMatMul } from ${JSON.stringify(pathToFileURL(join(here, 'kernels', 'heap-gemm.ts')).href)};`,
        `const gemm = heapGemmAvailable(tf.backend() as any);`,
        `const product = Array.from(heapMatMul(tf.reshape(tf.sin(tf.range(0, 37 * 300)), [37, 300]) as tf.Tensor2D, tf.reshape(tf.cos(tf.range(0, 300 * 19)), [300, 19]) as tf.Tensor2D)!.dataSync());`,
        `const productT = Array.from(heapMatMul(tf.transpose(tf.reshape(tf.sin(tf.range(0, 37 * 300)), [37, 300])) as tf.Tensor2D, tf.reshape(tf.cos(tf.range(0, 300 * 19)), [300, 19]) as tf.Tensor2D, true)!.dataSync());`,
        `process.stdout.write(JSON.stringify({ backend: report.backend, threads: getThreadsCount(), shared, simd, gemm, product, productT, y: Array.from(y.dataSync()), g }));`,
        `process.exit(0);`,
      ].join('\n'),
    );
    const out = execFileSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['--tsconfig', join(root, 'tsconfig.run.json'), '--conditions=@rfm/source', script],
      { cwd: root, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = JSON.parse(out) as { backend: string; threads: number; shared: boolean; simd: boolean; gemm: boolean; product: number[]; productT: number[]; y: number[]; g: number[][] };
    expect(child.backend).toBe('wasm');
    expect(child.threads).toBe(2);
    // The threaded heap is shared: rfm.js' SIMD kernels run in their shared-memory form, and the
    // GEMM splits its rows between the calling thread and a worker (37 rows: 5 + 5 bands of 4), each
    // packing its own bands of a transposed A.
    expect(child.shared).toBe(true);
    expect(child.simd).toBe(true);
    expect(child.gemm).toBe(true);
    const a = Float32Array.from({ length: 37 * 300 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 300 * 19 }, (_, i) => Math.cos(i));
    for (let i = 0; i < 37; i++) {
      for (let j = 0; j < 19; j++) {
        let sum = 0;
        for (let q = 0; q < 300; q++) sum += a[i * 300 + q]! * b[q * 19 + j]!;
        expect(Math.abs(child.product[i * 19 + j]! - sum), `row ${i}, column ${j}`).toBeLessThan(1e-4);
        expect(Math.abs(child.productT[i * 19 + j]! - sum), `transposed A: row ${i}, column ${j}`).toBeLessThan(1e-4);
      }
    }
    const wantGradients = new Function('tf', 'batchNormTraining', `${SIMD_NETWORK}; return simdNetworkGradients(tf, batchNormTraining);`)(tf, batchNormTraining) as number[][];
    wantGradients.forEach((want, k) => {
      const got = child.g[k]!;
      const scale = Math.max(...want.map(Math.abs));
      expect(Math.max(...want.map((v, i) => Math.abs(v - got[i]!))) / scale, `gradient ${k}`).toBeLessThanOrEqual(1e-5);
    });
    const want = tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 2 * 12 * 12 * 8), [2, 12, 12, 8]);
      const w = tf.reshape(tf.sin(tf.range(0, 3 * 3 * 8 * 16)), [3, 3, 8, 16]);
      return tf.conv2d(tf.div(x, 100) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync();
    });
    let diff = 0;
    let scale = 0;
    want.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - child.y[i]!));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(child.y).toHaveLength(want.length);
    expect(diff / scale).toBeLessThanOrEqual(1e-5);
  });
});

describe('startWasmModule', () => {
  const starter = (outcomes: Record<number, boolean | Error>) => {
    const calls: number[] = [];
    const start = async (threads: number): Promise<boolean> => {
      calls.push(threads);
      const outcome = outcomes[threads]!;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    };
    return { calls, start };
  };

  it('starts the threads asked for when they work', async () => {
    const { calls, start } = starter({ 2: true });
    expect(await startWasmModule(2, true, start)).toEqual({ ok: true, threads: 2 });
    expect(calls).toEqual([2]);
  });

  it('falls back to one thread, saying why, when a suggested count fails or throws', async () => {
    const failing = starter({ 2: false, 1: true });
    expect(await startWasmModule(2, true, failing.start)).toEqual({ ok: true, threads: 1, fallbackReason: '2 threads did not start (the module failed to initialise)' });
    expect(failing.calls).toEqual([2, 1]);
    const throwing = starter({ 4: new Error('the pthread worker of this version is not the 4.22.0 one\nmore'), 1: true });
    expect(await startWasmModule(4, true, throwing.start)).toEqual({
      ok: true,
      threads: 1,
      fallbackReason: '4 threads did not start (the pthread worker of this version is not the 4.22.0 one)',
    });
  });

  it('keeps a count the user asked for: no fallback, the failure or the error stands (as a reason, not thrown)', async () => {
    const failing = starter({ 2: false, 1: true });
    expect(await startWasmModule(2, false, failing.start)).toEqual({ ok: false, threads: 2 });
    expect(failing.calls).toEqual([2]);
    expect(await startWasmModule(2, false, starter({ 2: new Error('no workers\n    at glue.js:1') }).start)).toEqual({ ok: false, threads: 2, thrown: 'no workers' });
    expect(await startWasmModule(1, true, starter({ 1: false }).start)).toEqual({ ok: false, threads: 1 });
    expect(await startWasmModule(2, true, starter({ 2: false, 1: new Error('out of memory') }).start)).toEqual({ ok: false, threads: 1, thrown: 'out of memory' });
  });
});

describe('withWasmThreads', () => {
  it('puts the multithread flag, os.cpus and URL.createObjectURL back after a start, failed or not', async () => {
    // The CommonJS view of node:os, the object the shim patches.
    const os = createRequire(import.meta.url)('node:os') as { cpus: () => unknown[] };
    const before = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    const cpus = os.cpus;
    const createObjectURL = URL.createObjectURL;
    const seen: unknown[] = [];
    const counts: number[] = [];
    for (const outcome of [false, true]) {
      const ok = await withWasmThreads(3, (n) => counts.push(n), async () => {
        seen.push(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'), os.cpus().length);
        return outcome;
      });
      expect(ok).toBe(outcome);
      expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(before);
      expect(os.cpus).toBe(cpus);
      expect(URL.createObjectURL).toBe(createObjectURL);
    }
    expect(seen).toEqual([true, 6, true, 6]); // during the start: threads on, twice as many CPUs as threads
    expect(counts).toEqual([3, 3]);
  });
});
