/**
 * An rfm worker on a BullMQ queue: jobs run in sandboxed child processes (BullMQ's sandboxed
 * processors), so the CPU-heavy work never blocks the event loop that renews the job locks.
 *
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { WORKER_ID_ENV } from '@rfm/queue';
import { DEFAULT_QUEUE_NAME, redisConnection } from './bull-job-queue.js';

/** Options of {@link startBullWorker}. */
export interface BullWorkerOptions {
  /** `redis://HOST:PORT[/DB]`. */
  readonly url: string;
  /** Module whose default export runs one job: `(job: { id, data, attemptsMade }) => Promise<result>`. */
  readonly processorFile: string;
  /** Jobs run at once, each in its own child process (default 1). */
  readonly concurrency?: number;
  /** Queue name (default {@link DEFAULT_QUEUE_NAME}). */
  readonly name?: string;
  /** Lock of a running job, ms (default 30 000): a dead worker's job is retried after about this long. */
  readonly lockDurationMs?: number;
  /** How often stalled jobs (dead workers) are looked for, ms (default: a fifth of the lock duration, at least 1 s). */
  readonly stalledIntervalMs?: number;
  /** Receives one line per finished or failed job and per connection problem. */
  readonly log?: (line: string) => void;
}

/** A running worker. */
export interface RunningWorker {
  /** Finishes the running jobs and disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a worker.
 *
 * @param options - address, processor, concurrency
 */
export async function startBullWorker(options: BullWorkerOptions): Promise<RunningWorker> {
  const log = options.log ?? (() => undefined);
  const sandbox = fileURLToPath(new URL(`./sandbox-processor.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker(options.name ?? DEFAULT_QUEUE_NAME, sandbox, {
    connection: redisConnection(options.url),
    concurrency: options.concurrency ?? 1,
    useWorkerThreads: false,
    lockDuration,
    // A dead worker's job is found within about lock + interval (a job is stalled once its lock has expired).
    stalledInterval: options.stalledIntervalMs ?? Math.max(1000, Math.round(lockDuration / 5)),
    // A job whose worker died is moved back to waiting; after this many deaths it fails.
    maxStalledCount: 2,
    // Job processes report this worker (HOST:PID) as the one that ran their jobs.
    workerForkOptions: { env: { ...process.env, RFM_JOB_PROCESSOR: options.processorFile, [WORKER_ID_ENV]: `${hostname()}:${process.pid}` } },
  });
  worker.on('completed', (job) => log(`done ${job.id}`));
  worker.on('failed', (job, err) => log(`failed ${job?.id ?? '?'} (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`));
  worker.on('error', (err) => log(`queue connection: ${err.message}`));
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
