/**
 * The job-queue contract shared by the in-process pool and the BullMQ (Redis) queue.
 *
 * @packageDocumentation
 */
import type { JobSpec } from './job-envelope.js';

/** Retries of a failed job: `attempts` runs in all, waiting `backoffMs * 2^(n-1)` before retry n. */
export interface RetryPolicy {
  /** Total runs allowed (1 = no retry). */
  readonly attempts: number;
  /** First back-off delay, ms (doubles on each retry). */
  readonly backoffMs: number;
}

/** Default retries: 3 runs, 1 s then 2 s back-off. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 1000 };

/** What a submission did. */
export interface SubmitResult {
  /** Ids of every submitted job, in submission order. */
  readonly ids: readonly string[];
  /** Jobs new to the queue. */
  readonly added: number;
  /** Jobs the queue already held (same id: same kind and payload); left as they were. */
  readonly existing: number;
}

/** Jobs per state. */
export interface QueueCounts {
  /** Waiting to run (including delayed retries). */
  readonly waiting: number;
  /** Running now. */
  readonly active: number;
  /** Finished. */
  readonly completed: number;
  /** Failed after their last attempt. */
  readonly failed: number;
}

/** How a job ended. */
export type JobOutcome =
  | { readonly id: string; readonly state: 'completed'; readonly result: unknown }
  | { readonly id: string; readonly state: 'failed'; readonly reason: string };

/** Options of {@link JobQueue.wait}. */
export interface WaitOptions {
  /** Called with the number of settled jobs whenever it changes. */
  readonly onProgress?: (settled: number, total: number) => void;
  /** Give up after this many ms (rejects with a `QueueError` of code `RFM_QUEUE_TIMEOUT`). */
  readonly timeoutMs?: number;
}

/** A queue of rfm jobs. */
export interface JobQueue {
  /** Adds jobs; jobs already on the queue (same id) are left alone. */
  submit(jobs: readonly JobSpec[]): Promise<SubmitResult>;
  /** Jobs per state. */
  counts(): Promise<QueueCounts>;
  /** Resolves when every job of `ids` has completed or failed for good. */
  wait(ids: readonly string[], options?: WaitOptions): Promise<JobOutcome[]>;
  /** Releases connections and worker processes. */
  close(): Promise<void>;
}
