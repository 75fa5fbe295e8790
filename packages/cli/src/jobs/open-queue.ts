/**
 * Opening the queue of `--queue URL` (BullMQ on Redis, loaded only then) or the in-process pool.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { LocalJobQueue, type JobQueue } from '@rfm/queue';
import { CliUsageError } from '../command.js';
import { PROCESSOR_FILE } from './processor.js';
import { shareCoresWithWorkers } from './worker-backend.js';

/** The BullMQ package, or a usage error saying how to install it. */
export async function loadBullmqQueue(): Promise<typeof import('@rfm/queue-bullmq')> {
  try {
    return await import('@rfm/queue-bullmq');
  } catch {
    throw new CliUsageError('--queue needs the package @rfm/queue-bullmq (npm install @rfm/queue-bullmq) on this machine');
  }
}

/**
 * The queue to submit to.
 *
 * @param url - `--queue` (`redis://HOST:PORT`), or undefined for the in-process pool
 * @param localWorkers - pool size without `--queue` (capped at the CPU count); each worker process
 *   sizes its backend's threads on its share of the cores
 */
export async function openQueue(url: string | undefined, localWorkers: number): Promise<JobQueue> {
  if (url === undefined) {
    const concurrency = Math.max(1, Math.min(localWorkers, availableParallelism()));
    shareCoresWithWorkers(concurrency);
    return new LocalJobQueue({ processorFile: PROCESSOR_FILE, concurrency });
  }
  const { BullJobQueue } = await loadBullmqQueue();
  return new BullJobQueue({ url });
}
