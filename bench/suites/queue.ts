/**
 * `pnpm bench queue [--jobs N]`
 *
 * Scale-out costs on this machine. Scoring throughput (frames/s, wall time including worker start
 * and model loading) of `rfm eval` over the bundled faces (all 141 images, a 32 px `small` model
 * trained for 2 iterations): in this process; sharded over 1 and 2 local worker processes; sharded
 * over 2 `rfm worker` processes through a throw-away Redis on a free loopback port (skipped without
 * redis-server), cold (worker job processes start) and warm (model already loaded). `rfm predict`
 * over the 12 bundled portraits (sources/s): in this process and sharded over 2 local worker
 * processes. Then the queue's overhead per job: N trivial jobs through the in-process pool and
 * through Redis (one sandboxed worker), ms per job. One JSON line per case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countFlag, emit, flagValue } from '../lib.js';
import { captureIO } from '../../packages/cli/src/capture-io.js';
import { runCli } from '../../packages/cli/src/main.js';
import { LocalJobQueue, type JobQueue } from '../../packages/queue/src/index.js';
import { BullJobQueue, startBullWorker } from '../../packages/queue-bullmq/src/index.js';
import { hasRedisServer, TestRedis } from '../../packages/queue-bullmq/src/test-redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'data/ffhq-stylegan2');
const ECHO = join(ROOT, 'packages/queue/src/fixtures/test-processor.ts');

async function cli(args: string[]): Promise<string> {
  const io = captureIO();
  const code = await runCli(args, io);
  if (code !== 0) throw new Error(`rfm ${args.join(' ')}: ${io.stderr()}`);
  return io.stdout();
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@rfm/source', join(ROOT, 'packages/cli/src/bin.ts'), 'worker', '--queue', url], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((ready, fail) => {
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('worker: ready')) ready(child);
    });
    child.once('exit', (code) => fail(new Error(`worker exited ${code}: ${log}`)));
  });
}

async function overhead(name: string, queue: JobQueue, jobs: number): Promise<void> {
  const tag = `${name}-${Date.now()}`;
  // Warm-up job: starts the worker process.
  await queue.wait((await queue.submit([{ kind: 'echo', payload: { text: `${tag}-warm` } }])).ids);
  const { ms } = await timed(async () => {
    const { ids } = await queue.submit(Array.from({ length: jobs }, (_, i) => ({ kind: 'echo', payload: { text: `${tag}-${i}` } })));
    await queue.wait(ids);
  });
  emit({ bench: 'queue-overhead', queue: name, jobs, msPerJob: +(ms / jobs).toFixed(2) });
}

/** Runs the suite. */
export async function run(args: string[]): Promise<void> {
  const jobs = countFlag(args, '--jobs') ?? 100;
  const dir = mkdtempSync(join(tmpdir(), 'rfm-bench-queue-'));
  const workers: ChildProcess[] = [];
  let redis: TestRedis | undefined;
  try {
    const model = join(dir, 'run');
    await cli(['train', '--data', DATA, '--out', model, '--size', '32', '--iterations', '2', '--eval-every', '2', '--backend', 'wasm']);
    const evalArgs = ['eval', '--model', model, '--data', DATA, '--split', 'all', '--json', '--backend', 'wasm'];
    const single = await timed(() => cli(evalArgs));
    const images = (JSON.parse(single.value) as { images: number }).images;
    const line = (mode: string, ms: number) => emit({ bench: 'queue-scoring', mode, images, ms: Math.round(ms), framesPerSecond: +((1000 * images) / ms).toFixed(1) });
    line('in-process', single.ms);
    for (const shards of [1, 2]) {
      const r = await timed(() => cli([...evalArgs, '--shards', String(shards), '--shard-dir', join(dir, `local-${shards}`)]));
      if (r.value !== single.value) throw new Error(`sharded result differs from the single-process one (${shards} shards)`);
      line(`local-workers-${shards}`, r.ms);
    }
    // rfm predict over the 12 bundled portraits (face detection, alignment and scoring per photo).
    const predictArgs = ['predict', '--model', model, join(ROOT, 'data/london-faces'), '--json', '--backend', 'wasm'];
    const predicted = await timed(() => cli(predictArgs));
    const sources = (JSON.parse(predicted.value) as { sources: unknown[] }).sources.length;
    const predictLine = (mode: string, ms: number) => emit({ bench: 'queue-predict', mode, sources, ms: Math.round(ms), sourcesPerSecond: +((1000 * sources) / ms).toFixed(2) });
    predictLine('in-process', predicted.ms);
    const shardedPredict = await timed(() => cli([...predictArgs, '--shards', '2', '--shard-dir', join(dir, 'predict-2')]));
    if (shardedPredict.value !== predicted.value) throw new Error('sharded predict differs from the single-process one');
    predictLine('local-workers-2', shardedPredict.ms);
    if (hasRedisServer()) {
      redis = await TestRedis.start();
      workers.push(...(await Promise.all([startWorker(redis.url), startWorker(redis.url)])));
      const r = await timed(() => cli([...evalArgs, '--shards', '2', '--queue', redis!.url, '--shard-dir', join(dir, 'redis-2')]));
      if (r.value !== single.value) throw new Error('sharded result through Redis differs from the single-process one');
      line('redis-workers-2', r.ms);
      // Again with warm workers (their job processes have loaded TensorFlow.js and the model).
      const warm = await timed(() => cli([...evalArgs, '--shards', '2', '--queue', redis!.url, '--shard-dir', join(dir, 'redis-2-warm')]));
      if (warm.value !== single.value) throw new Error('sharded result through Redis differs from the single-process one');
      line('redis-workers-2-warm', warm.ms);
    } else {
      emit({ bench: 'queue-scoring', mode: 'redis-workers-2', unavailable: 'redis-server not installed' });
    }
    const local = new LocalJobQueue({ processorFile: ECHO, concurrency: 1 });
    await overhead('local-pool', local, jobs);
    await local.close();
    if (redis) {
      const worker = await startBullWorker({ url: redis.url, processorFile: ECHO, name: 'bench-echo' });
      const bull = new BullJobQueue({ url: redis.url, name: 'bench-echo', pollMs: 20 });
      await overhead('redis', bull, jobs);
      await bull.close();
      await worker.close();
    }
  } finally {
    for (const w of workers) {
      try {
        process.kill(-w.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
