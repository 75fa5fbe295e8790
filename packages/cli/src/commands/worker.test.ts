import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { BullJobQueue } from '@rfm/queue-bullmq';
import { prepareJob } from '@rfm/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedisServer, TestRedis } from '../../../queue-bullmq/src/test-redis.js';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
const BUNDLED = join(ROOT, 'data/ffhq-stylegan2');
const dir = mkdtempSync(join(tmpdir(), 'rfm-worker-cli-'));
const workers: ChildProcess[] = [];
let redis: TestRedis | undefined;

/** Starts `rfm worker` in its own process group (killing the group kills its sandboxed children too). */
async function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@rfm/source', BIN, 'worker', '--queue', url, '--lock-seconds', '5'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.run.json') },
  });
  workers.push(child);
  let log = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`worker not ready in 60 s: ${log}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('worker: ready')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => fail(new Error(`worker exited (${code}): ${log}`)));
  });
  return child;
}

/** Kills a worker and its job processes at once, as a lost machine would. */
function killWorker(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** A manifest over copies of the bundled images where every 3 images of a class form one "video". */
function videoManifest(): string {
  const root = join(dir, 'videos');
  const rows = ['path,label,technique,group'];
  for (const cls of ['real', 'fake'] as const) {
    mkdirSync(join(root, cls), { recursive: true });
    const files = readdirSync(join(BUNDLED, cls)).sort().slice(0, 18);
    files.forEach((f, i) => {
      copyFileSync(join(BUNDLED, cls, f), join(root, cls, f));
      rows.push(`${cls}/${f},${cls},${cls === 'real' ? 'real' : 'stylegan2'},${cls}-v${Math.floor(i / 3)}`);
    });
  }
  const file = join(root, 'manifest.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

afterAll(async () => {
  for (const w of workers) killWorker(w);
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasRedisServer())('rfm worker on a real Redis (needs redis-server; .ci/run installs it)', () => {
  const run = join(dir, 'run');
  let manifest = '';
  let single = '';
  const evalArgs = (extra: string[]) => ['eval', '--model', run, '--data', manifest, '--json', '--backend', 'wasm', '--batch', '4', ...extra];

  beforeAll(async () => {
    redis = await TestRedis.start();
    manifest = videoManifest();
    let io = captureIO();
    expect(await runCli(['train', '--data', BUNDLED, '--out', run, '--size', '32', '--iterations', '2', '--eval-every', '2', '--backend', 'wasm'], io), io.stderr()).toBe(0);
    io = captureIO();
    expect(await runCli(evalArgs([]), io), io.stderr()).toBe(0);
    single = io.stdout();
    expect(JSON.parse(single).video.videos).toBe(12);
  });

  it('a worker killed with SIGKILL mid-job leaves its job to be retried; the metrics are unchanged', async () => {
    const url = redis!.url;
    // One worker takes the first shard; it is killed mid-job (the other shards wait for the replacements).
    const doomed = [await startWorker(url)];
    const io = captureIO();
    const evaluation = runCli(evalArgs(['--shards', '3', '--queue', url, '--shard-dir', join(dir, 'shards-kill')]), io);
    const queue = new Queue('rfm', { connection: { host: '127.0.0.1', port: redis!.port, maxRetriesPerRequest: null } });
    let active: string[] = [];
    for (let i = 0; i < 600 && active.length === 0; i++) {
      active = (await queue.getJobs(['active'])).map((j) => j.id!);
      if (active.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(active.length).toBeGreaterThan(0);
    for (const w of doomed) killWorker(w);
    // Killed before finishing: the job is still active (its lock has not expired yet).
    const state = await (await queue.getJob(active[0]!))!.getState();
    expect(state).toBe('active');
    // The replacement and the two workers of the next tests start together (starting a worker costs seconds).
    await Promise.all([startWorker(url), startWorker(url), startWorker(url)]);
    expect(await evaluation, io.stderr()).toBe(0);
    expect(io.stdout()).toBe(single);
    const retried = await queue.getJob(active[0]!);
    expect(await retried!.getState()).toBe('completed');
    // Finished by a replacement, not by the killed worker.
    expect((retried!.returnvalue as { worker: string }).worker).not.toBe(`${hostname()}:${doomed[0]!.pid}`);
    expect((retried!.returnvalue as { worker: string }).worker).toMatch(new RegExp(`^${hostname()}:\\d+$`));
    await queue.close();
  });

  it('rejects malformed and foreign payloads with a clear error and keeps running', async () => {
    const url = redis!.url;
    const queue = new Queue('rfm', { connection: { host: '127.0.0.1', port: redis!.port, maxRetriesPerRequest: null } });
    const bad = prepareJob({ kind: 'score-shard', payload: { model: 'relative/run', shard: 'x' } });
    const badModel = prepareJob({ kind: 'score-shard', payload: { model: 'relative/run', shards: 2 } });
    await queue.add('score-shard', badModel.data, { jobId: badModel.id, attempts: 3 });
    await queue.add('score-shard', bad.data, { jobId: bad.id, attempts: 3 });
    await queue.add('other-app', { hello: 'world' }, { jobId: 'foreign-1', attempts: 3 });
    const bull = new BullJobQueue({ url, pollMs: 100 });
    const outcomes = await bull.wait([bad.id, 'foreign-1', badModel.id], { timeoutMs: 60_000 });
    expect(outcomes[0]).toMatchObject({ state: 'failed' });
    expect(outcomes[0]!.state === 'failed' && outcomes[0]!.reason).toMatch(/job "score-shard": field "shards" is missing, expected a whole number/);
    expect(outcomes[1]!.state === 'failed' && outcomes[1]!.reason).toMatch(/not an rfm job: field "format" is missing/);
    expect(outcomes[2]!.state === 'failed' && outcomes[2]!.reason).toMatch(/field "model" is "relative\/run", expected an absolute path/);
    // Not retried: nothing a retry could fix.
    expect((await queue.getJob(bad.id))!.attemptsMade).toBe(1);
    expect(workers.filter((w) => w.exitCode === null && w.signalCode === null).length).toBeGreaterThanOrEqual(3);
    await bull.close();
    await queue.close();
  });

  it('sharded scoring over three worker processes equals the single-process metrics bit for bit', async () => {
    const io = captureIO();
    expect(await runCli(evalArgs(['--shards', '3', '--queue', redis!.url, '--shard-dir', join(dir, 'shards-3')]), io), io.stderr()).toBe(0);
    expect(io.stdout()).toBe(single);
    const files = readdirSync(readdirSync(join(dir, 'shards-3')).map((d) => join(dir, 'shards-3', d))[0]!);
    expect(files.sort()).toEqual(['shard-0-of-3.csv', 'shard-1-of-3.csv', 'shard-2-of-3.csv']);
    // Each of the three running workers scored one shard (the jobs record the rfm worker, HOST:PID).
    const running = workers.filter((w) => w.exitCode === null && w.signalCode === null).map((w) => `${hostname()}:${w.pid}`);
    expect(running).toHaveLength(3);
    const by = [...io.stderr().matchAll(/eval: shard (\d)\/3: (\d+) images by worker (\S+)/g)];
    expect(by.map((m) => m[1])).toEqual(['1', '2', '3']);
    expect(by.every((m) => Number(m[2]) > 0)).toBe(true);
    expect(new Set(by.map((m) => m[3]))).toEqual(new Set(running));
  });

  it('a grid survives a Redis restart without losing a finished run, and a second submission adds no jobs', async () => {
    const out = join(dir, 'grid');
    const config = join(dir, 'grid.json');
    writeFileSync(config, JSON.stringify({ data: BUNDLED, size: 32, methods: ['none', 're', 'sfe'], iterations: 2, evalEvery: 2, bootstrap: { resamples: 100 } }));
    const io = captureIO();
    const grid = runCli(['compare', '--config', config, '--out', out, '--backend', 'wasm', '--queue', redis!.url], io);
    // Restart Redis as soon as one run has finished.
    let doneFile = '';
    for (let i = 0; i < 1200 && doneFile === ''; i++) {
      doneFile = ['none', 're', 'sfe'].map((m) => join(out, m, 'job-done.json')).find((f) => { try { return statSync(f).isFile(); } catch { return false; } }) ?? '';
      if (doneFile === '') await new Promise((r) => setTimeout(r, 100));
    }
    expect(doneFile).not.toBe('');
    const finishedAt = statSync(doneFile).mtimeMs;
    await redis!.stop();
    await new Promise((r) => setTimeout(r, 500));
    await redis!.resume();
    expect(await grid, io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/3 new job\(s\), 0 already queued or done/);
    expect(statSync(doneFile).mtimeMs).toBe(finishedAt);
    const comparison = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as { methods: { method: string }[]; missing?: unknown };
    expect(comparison.methods.map((m) => m.method)).toEqual(['none', 're', 'sfe']);
    expect(comparison.missing).toBeUndefined();

    const report = readFileSync(join(out, 'comparison.md'), 'utf8');
    const again = captureIO();
    expect(await runCli(['compare', '--config', config, '--out', out, '--backend', 'wasm', '--queue', redis!.url], again), again.stderr()).toBe(0);
    expect(again.stderr()).toMatch(/0 new job\(s\), 3 already queued or done/);
    expect(readFileSync(join(out, 'comparison.md'), 'utf8')).toBe(report);
    expect(statSync(doneFile).mtimeMs).toBe(finishedAt);
    const status = captureIO();
    expect(await runCli(['queue', 'status', '--queue', redis!.url, '--json'], status), status.stderr()).toBe(0);
    const counts = JSON.parse(status.stdout()) as { completed: number; failed: number; active: number; waiting: number };
    // 3 shards twice, 3 grid runs; the 3 bad or foreign jobs failed.
    expect(counts).toMatchObject({ completed: 9, failed: 3, active: 0, waiting: 0 });
  });

  it('prepares photos as one job per source on the workers; a second submission adds no jobs', async () => {
    const faces = join(dir, 'faces');
    const args = ['prepare', '--input', join(ROOT, 'data/london-faces'), '--out', faces, '--label', 'real', '--size', '64', '--backend', 'wasm', '--queue', redis!.url];
    let io = captureIO();
    expect(await runCli(args, io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/12 source\(s\) on redis:\/\/127\.0\.0\.1:\d+: 12 new job\(s\), 0 already queued or done/);
    // The workers prepared every source: the local pass only reused them and wrote the manifest.
    expect(io.stdout()).toMatch(/0 source\(s\) prepared, 12 reused/);
    const manifest = readFileSync(join(faces, 'manifest.csv'), 'utf8').trim().split('\n');
    expect(manifest[0]).toBe('path,label,technique,group');
    expect(manifest.filter((r) => r.includes(',real,real,'))).toHaveLength(12);
    io = captureIO();
    expect(await runCli(args, io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/0 new job\(s\), 12 already queued or done/);
    expect(readFileSync(join(faces, 'manifest.csv'), 'utf8').trim().split('\n')).toEqual(manifest);
  });

  it('runs a sweep as one job per (method, budget) with the results of a one-machine sweep', async () => {
    const config = join(dir, 'sweep.json');
    writeFileSync(config, JSON.stringify({ data: BUNDLED, size: 32, methods: ['none', 're'], budgets: [2, 4], evalEvery: 2, bootstrap: { resamples: 50 } }));
    const local = captureIO();
    expect(await runCli(['compare', '--config', config, '--out', join(dir, 'sweep-local'), '--backend', 'wasm'], local), local.stderr()).toBe(0);
    const io = captureIO();
    expect(await runCli(['compare', '--config', config, '--out', join(dir, 'sweep-queued'), '--backend', 'wasm', '--queue', redis!.url], io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/4 run\(s\) on the queue: 4 new job\(s\)/);
    type Sweep = { complete: boolean; budgets: { iterations: number; methods: { method: string; test: unknown; ci95: unknown }[] }[] };
    const read = (d: string): Sweep => JSON.parse(readFileSync(join(dir, d, 'sweep.json'), 'utf8')) as Sweep;
    const metrics = (s: Sweep) => s.budgets.map((b) => [b.iterations, b.methods.map((m) => [m.method, m.test, m.ci95])]);
    expect(read('sweep-queued').complete).toBe(true);
    // Each budget trained from scratch on a worker equals the run extended by resume on one machine.
    expect(metrics(read('sweep-queued'))).toEqual(metrics(read('sweep-local')));
    expect(statSync(join(dir, 'sweep-queued', 're', 'iterations-4', 'job-done.json')).isFile()).toBe(true);

    // A run whose folder lost its result: submitting again adds no job, and the reports mark it missing.
    rmSync(join(dir, 'sweep-queued', 're', 'iterations-4', 'job-done.json'));
    const again = captureIO();
    expect(await runCli(['compare', '--config', config, '--out', join(dir, 'sweep-queued'), '--backend', 'wasm', '--queue', redis!.url], again), again.stderr()).toBe(0);
    expect(again.stderr()).toMatch(/4 run\(s\) on the queue: 0 new job\(s\), 4 already queued or done/);
    const partial = JSON.parse(readFileSync(join(dir, 'sweep-queued', 'sweep.json'), 'utf8')) as Sweep & { missing: { run: string; iterations: number }[] };
    expect(partial.complete).toBe(false);
    expect(partial.missing).toMatchObject([{ run: 're/iterations-4', iterations: 4 }]);
    expect(partial.budgets.map((b) => b.methods.map((m) => m.method))).toEqual([['none', 're'], ['none']]);
    const comparison = JSON.parse(readFileSync(join(dir, 'sweep-queued', 'comparison.json'), 'utf8')) as { missing: { run: string }[] };
    expect(comparison.missing.map((m) => m.run)).toEqual(['re/iterations-4']);
    expect(readFileSync(join(dir, 'sweep-queued', 'sweep.md'), 'utf8')).toMatch(/Missing runs .*\n\n- re\/iterations-4 \(seed \d+, 4 iterations\): the job finished but/);

    // No run of the last budget left: a clear failure, after the sweep files are written.
    rmSync(join(dir, 'sweep-queued', 'none', 'iterations-4', 'job-done.json'));
    const none = captureIO();
    expect(await runCli(['compare', '--config', config, '--out', join(dir, 'sweep-queued'), '--backend', 'wasm', '--queue', redis!.url], none)).toBe(1);
    expect(none.stderr()).toMatch(/compare: no run of 4 iterations finished \(2 run\(s\) missing, listed above\); fix the cause and submit the grid again/);
    expect((JSON.parse(readFileSync(join(dir, 'sweep-queued', 'sweep.json'), 'utf8')) as { missing: unknown[] }).missing).toHaveLength(2);
  });

  it('predicts in shards on the workers with the output of one process', async () => {
    const photos = ['001_03.jpg', '002_03.jpg', '003_03.jpg'].map((f) => join(ROOT, 'data/london-faces', f));
    const args = ['predict', '--model', run, ...photos, '--json', '--backend', 'wasm'];
    const single = captureIO();
    expect(await runCli(args, single), single.stderr()).toBe(0);
    const io = captureIO();
    expect(await runCli([...args, '--shards', '2', '--queue', redis!.url, '--shard-dir', join(dir, 'predict-shards')], io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/predict: shard 2\/2: 1 source\(s\) by worker /);
    expect(io.stdout()).toBe(single.stdout());
  });
});
