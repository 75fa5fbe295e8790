/**
 * Running the shard jobs of a sharded command (`rfm eval --shards`, `rfm predict --shards`) and
 * saying which worker ran each.
 *
 * @packageDocumentation
 */
import { JobFailedError, type JobQueue } from '@rfm/queue';
import type { ShardResult } from './score-shard-job.js';

/**
 * Submits one job per shard, waits for all of them and returns their results in shard order.
 *
 * @param queue - where the jobs run
 * @param kind - job kind of every shard
 * @param payloads - one per shard
 * @param onProgress - shards finished so far
 * @throws `JobFailedError` for a shard that failed after its retries
 */
export async function runShardJobs(
  queue: JobQueue,
  kind: string,
  payloads: readonly object[],
  onProgress?: (done: number, total: number) => void,
): Promise<ShardResult[]> {
  const submitted = await queue.submit(payloads.map((payload) => ({ kind, payload })));
  const outcomes = await queue.wait(submitted.ids, { onProgress });
  return outcomes.map((o) => {
    if (o.state === 'failed') throw new JobFailedError(o.id, o.reason);
    return o.result as ShardResult;
  });
}

/**
 * One line per shard: its size and the worker that ran it (`HOST:PID`).
 *
 * @param command - `eval` or `predict`
 * @param results - from {@link runShardJobs}
 * @param unit - what a shard holds, e.g. `images`
 */
export function shardWorkerLines(command: string, results: readonly ShardResult[], unit: string): string {
  return results.map((r) => `${command}: shard ${r.shard + 1}/${results.length}: ${r.images} ${unit} by worker ${r.worker ?? 'unknown'}\n`).join('');
}
