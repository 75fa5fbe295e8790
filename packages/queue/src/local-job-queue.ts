/**
 * The in-process queue: one machine, a pool of N worker processes (forked children), each running
 * jobs one at a time with the handlers of a processor module.
 *
 * @packageDocumentation
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { QueueError } from './errors.js';
import { prepareJob, type JobSpec } from './job-envelope.js';
import { DEFAULT_RETRY, type JobOutcome, type JobQueue, type QueueCounts, type RetryPolicy, type SubmitResult, type WaitOptions } from './job-queue.js';
import type { ChildReply, ChildRequest } from './local-worker-protocol.js';

/** Options of {@link LocalJobQueue}. */
export interface LocalJobQueueOptions {
  /** Module whose default export runs one job: `(job: { id, data, attemptsMade }) => Promise<result>`. */
  readonly processorFile: string;
  /** Worker processes (default 1). */
  readonly concurrency?: number;
  /** Retries (default {@link DEFAULT_RETRY}). */
  readonly retry?: RetryPolicy;
  /** Node flags of the workers (default: this process's when it runs TypeScript via tsx, else none; `--import tsx` for a `.ts` processor). */
  readonly execArgv?: readonly string[];
}

interface LocalJob {
  readonly id: string;
  readonly data: unknown;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  attemptsMade: number;
  delayed?: boolean;
  result?: unknown;
  reason?: string;
}

interface Slot {
  child: ChildProcess | undefined;
  job: LocalJob | undefined;
}

/** Node flags for a worker process running `file`. */
function workerExecArgv(file: string): string[] {
  if (process.execArgv.some((a) => a === 'tsx' || a.includes('/tsx/dist/'))) return [...process.execArgv];
  return file.endsWith('.ts') ? ['--import', 'tsx', '--conditions=@rfm/source'] : [];
}

/** The in-process {@link JobQueue}: jobs live in memory; workers are child processes of this one. */
export class LocalJobQueue implements JobQueue {
  private readonly jobs = new Map<string, LocalJob>();
  private readonly order: LocalJob[] = [];
  private readonly slots: Slot[];
  private readonly retry: RetryPolicy;
  private readonly execArgv: string[];
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** @param options - processor module, pool size, retries */
  constructor(private readonly options: LocalJobQueueOptions) {
    const n = options.concurrency ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new QueueError('RFM_QUEUE_CONCURRENCY', `concurrency ${n}: give a whole number of worker processes >= 1`);
    this.slots = Array.from({ length: n }, () => ({ child: undefined, job: undefined }));
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.execArgv = [...(options.execArgv ?? workerExecArgv(options.processorFile))];
  }

  /** {@inheritDoc JobQueue.submit} */
  async submit(specs: readonly JobSpec[]): Promise<SubmitResult> {
    let added = 0;
    const ids: string[] = [];
    for (const spec of specs) {
      const { id, data } = prepareJob(spec);
      ids.push(id);
      if (this.jobs.has(id)) continue;
      const job: LocalJob = { id, data, state: 'waiting', attemptsMade: 0 };
      this.jobs.set(id, job);
      this.order.push(job);
      added++;
    }
    this.dispatch();
    return { ids, added, existing: specs.length - added };
  }

  /** {@inheritDoc JobQueue.counts} */
  async counts(): Promise<QueueCounts> {
    const c = { waiting: 0, active: 0, completed: 0, failed: 0 };
    for (const j of this.jobs.values()) c[j.state]++;
    return c;
  }

  /** {@inheritDoc JobQueue.wait} */
  wait(ids: readonly string[], options: WaitOptions = {}): Promise<JobOutcome[]> {
    return new Promise((resolvePromise, reject) => {
      let last = -1;
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        const jobs = ids.map((id) => this.jobs.get(id));
        const missing = ids.find((_, i) => jobs[i] === undefined);
        if (missing !== undefined) return finish(new QueueError('RFM_QUEUE_UNKNOWN_JOB', `job ${missing} was never submitted to this queue`));
        const settled = jobs.filter((j) => j!.state === 'completed' || j!.state === 'failed').length;
        if (settled !== last) {
          last = settled;
          options.onProgress?.(settled, ids.length);
        }
        if (settled === ids.length) {
          finish(undefined, jobs.map((j) => (j!.state === 'completed' ? { id: j!.id, state: 'completed', result: j!.result } : { id: j!.id, state: 'failed', reason: j!.reason ?? 'unknown' })));
        }
      };
      const finish = (error: Error | undefined, outcomes?: JobOutcome[]): void => {
        this.listeners.delete(check);
        if (timer) clearTimeout(timer);
        if (error) reject(error);
        else resolvePromise(outcomes!);
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(new QueueError('RFM_QUEUE_TIMEOUT', `${ids.length - last} job(s) still unfinished after ${options.timeoutMs} ms`)), options.timeoutMs);
      }
      this.listeners.add(check);
      check();
    });
  }

  /** {@inheritDoc JobQueue.close} */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.child;
        slot.child = undefined;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      }),
    );
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.order.find((j) => j.state === 'waiting' && !j.delayed);
      if (!job) return;
      job.state = 'active';
      slot.job = job;
      const child = slot.child ?? this.spawn(slot);
      const request: ChildRequest = { id: job.id, data: job.data, attemptsMade: job.attemptsMade };
      child.send(request);
    }
  }

  private spawn(slot: Slot): ChildProcess {
    const entry = fileURLToPath(new URL(`./local-worker-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
    const child = fork(entry, [this.options.processorFile], { execArgv: this.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    slot.child = child;
    child.on('message', (m: ChildReply) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = undefined;
      if (m.ok) this.settle(job, 'completed', m.result);
      else this.fail(job, m.reason, m.unrecoverable);
      this.dispatch();
    });
    child.on('exit', (code, signal) => {
      if (slot.child === child) slot.child = undefined;
      const job = slot.job;
      slot.job = undefined;
      if (job && !this.closed) this.fail(job, `worker process exited (${signal ?? `code ${code}`}) while running it`, false);
      this.dispatch();
    });
    return child;
  }

  private settle(job: LocalJob, state: 'completed' | 'failed', result?: unknown, reason?: string): void {
    job.state = state;
    job.result = result;
    job.reason = reason;
    this.notify();
  }

  private fail(job: LocalJob, reason: string, unrecoverable: boolean): void {
    job.attemptsMade++;
    if (unrecoverable || job.attemptsMade >= this.retry.attempts) {
      this.settle(job, 'failed', undefined, reason);
      return;
    }
    job.state = 'waiting';
    job.reason = reason;
    // Parked until its back-off passes: counted as waiting, not picked by dispatch().
    job.delayed = true;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        job.delayed = false;
        this.dispatch();
      },
      this.retry.backoffMs * 2 ** (job.attemptsMade - 1),
    );
    this.timers.add(timer);
  }
}
