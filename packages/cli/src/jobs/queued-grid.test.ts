import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalJobQueue, type JobQueue } from '@rfm/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { COMPARE_FLAGS } from '../commands/compare.js';
import { configFromFlags } from '../commands/train.js';
import { readCompareConfig } from '../compare-config.js';
import { parseFlags } from '../flags.js';
import { PROCESSOR_FILE } from './processor.js';
import { gridRuns, runGridOnQueue } from './queued-grid.js';

const BUNDLED = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-queued-grid-'));
// The worker processes run the TypeScript sources through tsx, which needs the repository's
// decorator settings (`pnpm rfm` sets the same variable).
process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../../../../tsconfig.run.json', import.meta.url));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny sweep: 2 methods x `seeds` seeds (from 1) x 2 budgets, as `rfm compare --config` resolves it. */
function sweep(seeds: number): ReturnType<typeof readCompareConfig>['config'] {
  const file = join(dir, 'sweep.json');
  const options = { name: 're', options: { probability: 0.5 } };
  writeFileSync(file, JSON.stringify({ data: BUNDLED, size: 32, methods: ['none', options], budgets: [2, 4], evalEvery: 2, seed: 1, seeds, bootstrap: { resamples: 50 } }));
  const defaults = configFromFlags(parseFlags('compare', ['--data', '.'], COMPARE_FLAGS));
  return readCompareConfig(file, { train: defaults, methods: [], seeds: [defaults.seed], budgets: [defaults.trainer.iterations], bootstrap: { resamples: 50, seed: 1 } }).config;
}

describe('experiment grids on a queue', () => {
  it('fan a sweep out over (method, seed, option values, budget), one folder and job id per resolved run', () => {
    const runs = gridRuns(sweep(2), '/grid', 'wasm');
    expect(runs.map((r) => r.run)).toEqual([
      'none/seed-1/iterations-2', 're/seed-1/iterations-2', 'none/seed-2/iterations-2', 're/seed-2/iterations-2',
      'none/seed-1/iterations-4', 're/seed-1/iterations-4', 'none/seed-2/iterations-4', 're/seed-2/iterations-4',
    ]);
    const re = runs[5]!.payload.config;
    expect([re.trainer.iterations, re.seed, re.augment, re.augmentOptions]).toEqual([4, 1, ['re'], { re: { probability: 0.5 } }]);
    expect(runs.every((r) => r.payload.out === `/grid/${r.run}`)).toBe(true);
  });

  it('run a sweep on the in-process pool; submitting again adds no job; the report marks what is missing', async () => {
    const out = join(dir, 'grid');
    const runs = gridRuns(sweep(1), out, 'wasm');
    const queue = new LocalJobQueue({ processorFile: PROCESSOR_FILE, concurrency: 2 });
    try {
      let io = captureIO();
      const first = await runGridOnQueue(queue, runs, io);
      expect(first.submitted).toMatchObject({ added: 4, existing: 0 });
      expect(first.missing).toEqual([]);
      expect(first.finished.map((r) => r.run)).toEqual(runs.map((r) => r.run));
      expect(first.finished.every((r) => r.test.overall.nReal + r.test.overall.nFake > 0)).toBe(true);
      io = captureIO();
      const again = await runGridOnQueue(queue, runs, io);
      expect(io.stderr()).toMatch(/4 run\(s\) on the queue: 0 new job\(s\), 4 already queued or done/);
      expect(again.finished).toEqual(first.finished);

      // A queue on which one run failed for good: the others are gathered, that one is listed as missing.
      const failing: JobQueue = {
        submit: (jobs) => queue.submit(jobs),
        counts: () => queue.counts(),
        close: async () => {},
        wait: async (ids, options) => (await queue.wait(ids, options)).map((o, i) => (i === 1 ? { id: o.id, state: 'failed', reason: 'worker lost' } : o)),
      };
      const partial = await runGridOnQueue(failing, runs, captureIO());
      expect(partial.finished.map((r) => r.run)).toEqual(runs.filter((_, i) => i !== 1).map((r) => r.run));
      expect(partial.missing).toEqual([{ method: 're', seed: 1, iterations: 2, run: 're/iterations-2', reason: 'worker lost' }]);
    } finally {
      await queue.close();
    }
  });
});
