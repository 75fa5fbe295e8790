import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalJobQueue } from '@rfm/queue';
import * as tf from '@tensorflow/tfjs-core';
import { registerGraphCompiler, runCompiledPass } from '@rfm/core';
import { countingGraphCompiler } from '@rfm/core/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { configFromFlags, TRAIN_FLAGS } from '../commands/train.js';
import { parseFlags } from '../flags.js';
import { BUNDLED } from '../testing/run-fixtures.js';
import { openQueue } from './open-queue.js';
import { PROCESSOR_FILE } from './processor.js';
import { TRAIN_RUN_KIND } from './train-run-job.js';
import { coresPerWorker, ensureWorkerBackend, shareCoresWithWorkers, WORKER_CORES_VARIABLE, workerCores } from './worker-backend.js';

// The worker processes run the TypeScript sources through tsx, which needs the repository's
// decorator settings (`pnpm rfm` sets the same variable).
process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../../../../tsconfig.run.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-worker-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the cores of a worker process', () => {
  it('are an equal share of the machine, at least one', () => {
    expect(coresPerWorker(1, 2)).toBe(2);
    expect(coresPerWorker(2, 2)).toBe(1);
    expect(coresPerWorker(3, 8)).toBe(2);
    expect(coresPerWorker(4, 2)).toBe(1);
  });

  it('reach the workers through the environment they inherit', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(shareCoresWithWorkers(1, env)).toBe(availableParallelism());
    expect(env[WORKER_CORES_VARIABLE]).toBe(String(availableParallelism()));
    expect(workerCores(env, 64)).toBe(availableParallelism());
  });

  it('are every core when the variable is absent or not a positive integer', () => {
    for (const value of [undefined, '', ' ', '0', '-2', '1.5', 'two']) expect(workerCores({ [WORKER_CORES_VARIABLE]: value }, 6)).toBe(6);
    expect(workerCores({ [WORKER_CORES_VARIABLE]: '3' }, 6)).toBe(3);
  });

  it('are shared by the in-process pool before it forks', async () => {
    const before = process.env[WORKER_CORES_VARIABLE];
    const queue = await openQueue(undefined, 2);
    try {
      expect(process.env[WORKER_CORES_VARIABLE]).toBe(String(coresPerWorker(Math.min(2, availableParallelism()))));
    } finally {
      await queue.close();
      if (before === undefined) delete process.env[WORKER_CORES_VARIABLE];
      else process.env[WORKER_CORES_VARIABLE] = before;
    }
  });
});

describe("a queued run's backend threads", () => {
  it("follow its model's suggestion on the worker's cores, and its run log says so", async (ctx) => {
    if (availableParallelism() < 2) {
      ctx.skip('SKIPPED: one core, so rfm.js suggests no wasm threads');
      return;
    }
    // Xception width 0.35 at 128 px, batch 16: 3.0 G multiply-adds per batch, above the 2.5 G crossing.
    const out = join(dir, 'large');
    const flags = ['--data', BUNDLED, '--out', out, '--backbone', 'xception', '--width', '0.35', '--size', '128', '--iterations', '1', '--eval-every', '1'];
    const config = configFromFlags(parseFlags('train', flags, TRAIN_FLAGS));
    const queue = new LocalJobQueue({ processorFile: PROCESSOR_FILE, concurrency: 1 });
    const before = process.env[WORKER_CORES_VARIABLE];
    shareCoresWithWorkers(1);
    try {
      const { ids } = await queue.submit([{ kind: TRAIN_RUN_KIND, payload: { config, out, backend: 'wasm' } }]);
      const [outcome] = await queue.wait(ids);
      expect(outcome?.state, JSON.stringify(outcome)).toBe('completed');
      const first = JSON.parse(readFileSync(join(out, 'run.jsonl'), 'utf8').split('\n')[0]!) as { backendSummary?: string };
      const threads = Math.min(availableParallelism(), 64);
      expect(first.backendSummary).toMatch(
        new RegExp(`^wasm .*; WebAssembly \\(XNNPACK, ${threads} threads\\) with training kernels, one per core, the choice for a large model \\(3\\.0 G multiply-adds per batch\\)$`),
      );
    } finally {
      await queue.close();
      if (before === undefined) delete process.env[WORKER_CORES_VARIABLE];
      else process.env[WORKER_CORES_VARIABLE] = before;
    }
  }, 240_000);
});

describe('a compiled pass that falls back in a worker', () => {
  it("is a warning on the worker's standard error", async () => {
    await ensureWorkerBackend('cpu');
    registerGraphCompiler('cpu', countingGraphCompiler({ compile: true }).compiler);
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      const x = tf.ones([1, 4]);
      tf.dispose([runCompiledPass({}, 'forward|logits', ([t]) => tf.add(t!, 1), [x]), x]);
    } finally {
      spy.mockRestore();
      registerGraphCompiler('cpu', undefined);
    }
    expect(written).toEqual([
      '[rfm worker] warn: the pass "forward|logits" on cpu runs eagerly for float32[1,4]: its graph could not be compiled (cannot compile); the results are the same, only slower\n',
    ]);
  });
});
