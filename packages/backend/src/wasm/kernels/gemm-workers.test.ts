import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../errors.js';
import { gemmWasm } from '../simd/gemm.generated.js';
import { moduleBytes } from '../simd/heap-module.js';
import { GemmWorkers, type GemmArguments } from './gemm-workers.js';
import { scratchFloats } from './heap-gemm.js';

// Node 20 validates relaxed SIMD only with this flag (heap-gemm.ts sets it the same way).
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

describe('GemmWorkers: the GEMM on worker threads sharing one heap', () => {
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
  const started: GemmWorkers[] = [];
  afterAll(async () => {
    await Promise.all(started.map((w) => w.stop()));
  });

  it('computes the rows each worker is given, on the shared heap', () => {
    const workers = GemmWorkers.start(2, memory, moduleBytes(gemmWasm.shared))!;
    started.push(workers);
    expect(workers.threads).toBe(3);
    const gemm = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(gemmWasm.shared)), { env: { memory } }).exports['gemm'] as (...args: GemmArguments) => void;
    const [m, k, n] = [12, 9, 10];
    const f32 = new Float32Array(memory.buffer);
    const [a, b, c, scratch] = [0, 1024, 2048, 4096];
    for (let i = 0; i < m * k; i++) f32[a / 4 + i] = Math.sin(i);
    for (let i = 0; i < k * n; i++) f32[b / 4 + i] = Math.cos(i);
    // Rows 0-3 on this thread, 4-7 and 8-11 on the workers, each with its own scratch.
    const parts = [0, 4, 8].map((first, t): GemmArguments => [a + first * k * 4, b, c + first * n * 4, 4, k, n, k, 1, 0, 0, scratch + t * scratchFloats(k, n) * 4]);
    workers.run(parts, gemm);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let q = 0; q < k; q++) sum += f32[a / 4 + i * k + q]! * f32[b / 4 + q * n + j]!;
        expect(Math.abs(f32[c / 4 + i * n + j]! - sum), `row ${i}, column ${j}`).toBeLessThan(1e-5);
      }
    }
  });

  it('throws a typed error, instead of waiting for ever, when a worker could not start', () => {
    const workers = GemmWorkers.start(1, memory, Uint8Array.of(0, 97, 115, 109))!;
    started.push(workers);
    let ran = false;
    const run = (): void => workers.run([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], () => void (ran = true));
    expect(run).toThrow(BackendUnavailableError);
    expect(ran).toBe(true);
  });
});
