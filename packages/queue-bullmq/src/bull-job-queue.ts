/**
 * The BullMQ (Redis) {@link JobQueue}: any number of machines submit to and work on one queue.
 *
 * @packageDocumentation
 */
import { Queue, type JobsOptions } from 'bullmq';
import { DEFAULT_RETRY, prepareJob, QueueError, type JobOutcome, type JobQueue, type JobSpec, type PreparedJob, type QueueCounts, type RetryPolicy, type SubmitResult, type WaitOptions } from '@rfm/queue';
import { parseRedisUrl } from './redis-url.js';

/** Default BullMQ queue name of rfm. */
export const DEFAULT_QUEUE_NAME = 'rfm';

/** Options of {@link BullJobQueue}. */
export interface BullJobQueueOptions {
  /** `redis://HOST:PORT[/DB]`. */
  readonly url: string;
  /** Queue name (default {@link DEFAULT_QUEUE_NAME}). */
  readonly name?: string;
  /** Retries of new jobs (default {@link DEFAULT_RETRY}). */
  readonly retry?: RetryPolicy;
  /** Poll interval of {@link BullJobQueue.wait}, ms (default 500). */
  readonly pollMs?: number;
}

/** ioredis options for an address (workers need `maxRetriesPerRequest: null`). */
export function redisConnection(url: string): { host: string; port: number; db: number; password?: string; maxRetriesPerRequest: null } {
  return { ...parseRedisUrl(url), maxRetriesPerRequest: null };
}

/** A {@link JobQueue} on Redis through BullMQ. */
export class BullJobQueue implements JobQueue {
  private readonly queue: Queue;
  private readonly retry: RetryPolicy;
  private readonly submitted = new Map<string, PreparedJob>();

  /** @param options - address, queue name, retries */
  constructor(private readonly options: BullJobQueueOptions) {
    this.queue = new Queue(options.name ?? DEFAULT_QUEUE_NAME, { connection: redisConnection(options.url) });
    // Connection problems surface through the commands' rejections (with the address); keep the
    // emitter from throwing on its own.
    this.queue.on('error', () => undefined);
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  private jobOptions(id: string): JobsOptions {
    return { jobId: id, attempts: this.retry.attempts, backoff: { type: 'exponential', delay: this.retry.backoffMs }, removeOnComplete: false, removeOnFail: false };
  }

  /** {@inheritDoc @rfm/queue!JobQueue.submit} */
  async submit(specs: readonly JobSpec[]): Promise<SubmitResult> {
    const prepared = specs.map(prepareJob);
    const fresh: PreparedJob[] = [];
    const seen = new Set<string>();
    for (const job of prepared) {
      this.submitted.set(job.id, job);
      if (seen.has(job.id)) continue;
      seen.add(job.id);
      if (!(await this.queue.getJob(job.id))) fresh.push(job);
    }
    // addBulk with an id the queue already holds keeps the existing job (BullMQ ignores duplicates).
    if (fresh.length > 0) await this.queue.addBulk(fresh.map((j) => ({ name: j.data.kind, data: j.data, opts: this.jobOptions(j.id) })));
    return { ids: prepared.map((j) => j.id), added: fresh.length, existing: prepared.length - fresh.length };
  }

  /** {@inheritDoc @rfm/queue!JobQueue.counts} */
  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'paused', 'active', 'completed', 'failed');
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.paused ?? 0), active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
  }

  /**
   * Resolves when every job of `ids` has completed or failed for good. Polls Redis; survives a Redis restart (commands wait for the reconnection), and re-adds a job
   * this queue submitted that Redis lost (a server without persistence), which is safe because
   * jobs are idempotent.
   */
  async wait(ids: readonly string[], options: WaitOptions = {}): Promise<JobOutcome[]> {
    const started = Date.now();
    const outcomes = new Map<string, JobOutcome>();
    let last = -1;
    for (;;) {
      for (const id of ids) {
        if (outcomes.has(id)) continue;
        const job = await this.queue.getJob(id);
        if (!job) {
          const known = this.submitted.get(id);
          if (!known) throw new QueueError('RFM_QUEUE_UNKNOWN_JOB', `job ${id} is not on the queue; submit it again`);
          await this.queue.add(known.data.kind, known.data, this.jobOptions(id));
          continue;
        }
        const state = await job.getState();
        if (state !== 'completed' && state !== 'failed') continue;
        // Read the job again: the copy above may predate the transition (no result or reason yet).
        const done = (await this.queue.getJob(id)) ?? job;
        if (state === 'completed') outcomes.set(id, { id, state: 'completed', result: done.returnvalue });
        else outcomes.set(id, { id, state: 'failed', reason: done.failedReason ?? 'unknown' });
      }
      if (outcomes.size !== last) {
        last = outcomes.size;
        options.onProgress?.(last, ids.length);
      }
      if (outcomes.size === ids.length) return ids.map((id) => outcomes.get(id)!);
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
        throw new QueueError('RFM_QUEUE_TIMEOUT', `${ids.length - outcomes.size} job(s) still unfinished after ${options.timeoutMs} ms; are workers running (rfm worker --queue ${this.options.url})?`);
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 500));
    }
  }

  /** {@inheritDoc @rfm/queue!JobQueue.close} */
  async close(): Promise<void> {
    await this.queue.close();
  }
}
