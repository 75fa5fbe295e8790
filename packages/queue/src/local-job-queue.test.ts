import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jobId } from './job-id.js';
import { LocalJobQueue } from './local-job-queue.js';

const PROCESSOR = fileURLToPath(new URL('./fixtures/test-processor.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-local-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalJobQueue (a pool of worker processes)', () => {
  it('runs jobs on N processes; a second submission of the same jobs adds none', async () => {
    const queue = new LocalJobQueue({ processorFile: PROCESSOR, concurrency: 2 });
    try {
      const jobs = ['a', 'b', 'c', 'd'].map((text) => ({ kind: 'echo', payload: { text } }));
      const first = await queue.submit(jobs);
      expect(first).toMatchObject({ added: 4, existing: 0 });
      expect(first.ids[0]).toBe(jobId('echo', { text: 'a' }));
      const again = await queue.submit([...jobs].reverse());
      expect(again).toMatchObject({ added: 0, existing: 4 });
      const outcomes = await queue.wait(first.ids, { timeoutMs: 60_000 });
      expect(outcomes.map((o) => (o.state === 'completed' ? (o.result as { text: string }).text : o.reason))).toEqual(['a', 'b', 'c', 'd']);
      const pids = new Set(outcomes.map((o) => (o.state === 'completed' ? (o.result as { pid: number }).pid : 0)));
      expect(pids.has(process.pid)).toBe(false);
      expect(pids.size).toBeLessThanOrEqual(2);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 4, failed: 0 });
    } finally {
      await queue.close();
    }
  });

  it('rejects bad and foreign payloads without retrying and keeps its workers', async () => {
    const queue = new LocalJobQueue({ processorFile: PROCESSOR, concurrency: 1, retry: { attempts: 3, backoffMs: 10 } });
    try {
      const bad = await queue.submit([{ kind: 'echo', payload: { text: 42 } }, { kind: 'mystery', payload: {} }, { kind: 'echo', payload: { text: 'ok' } }]);
      const [malformed, foreign, fine] = await queue.wait(bad.ids, { timeoutMs: 60_000 });
      expect(malformed).toMatchObject({ state: 'failed' });
      expect(malformed!.state === 'failed' && malformed!.reason).toMatch(/job "echo": field "text" is 42, expected a string/);
      expect(foreign!.state === 'failed' && foreign!.reason).toMatch(/not an rfm job: unknown job kind "mystery" \(this worker runs echo, crash\)/);
      expect(fine).toMatchObject({ state: 'completed', result: { text: 'ok' } });
    } finally {
      await queue.close();
    }
  });

  it('retries a job whose worker process died, after a back-off, on a fresh process', async () => {
    const queue = new LocalJobQueue({ processorFile: PROCESSOR, concurrency: 1, retry: { attempts: 2, backoffMs: 50 } });
    try {
      const { ids } = await queue.submit([{ kind: 'crash', payload: { marker: join(dir, 'crashed') } }]);
      const [outcome] = await queue.wait(ids, { timeoutMs: 60_000 });
      expect(outcome).toEqual({ id: ids[0], state: 'completed', result: { attempts: 1 } });
    } finally {
      await queue.close();
    }
  });

  it('fails a job for good after its last attempt', async () => {
    const queue = new LocalJobQueue({ processorFile: PROCESSOR, concurrency: 1, retry: { attempts: 1, backoffMs: 10 } });
    try {
      const { ids } = await queue.submit([{ kind: 'crash', payload: { marker: join(dir, 'crash-once-more') } }]);
      const [outcome] = await queue.wait(ids, { timeoutMs: 60_000 });
      expect(outcome!.state === 'failed' && outcome!.reason).toMatch(/worker process exited \(SIGKILL\) while running it/);
    } finally {
      await queue.close();
    }
  });
});
