/**
 * Sharded prediction for `rfm predict --shards K [--queue URL]`: one `predict-shard` job per shard
 * (sources dealt round-robin, so a video is never split), then one reducer that puts the verdicts
 * back in input order, for the same outputs as a single process.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendChoice } from '@rfm/backend';
import { jobId, QueueError } from '@rfm/queue';
import type { CliIO } from '../command.js';
import { ProgressBar } from '../progress.js';
import type { SourceResult } from '../source-predictions.js';
import { openQueue } from './open-queue.js';
import { PREDICT_SHARD_KIND, readPredictShard, type PredictShardPayload } from './predict-shard-job.js';
import { runShardJobs, shardWorkerLines } from './run-shard-jobs.js';

/** What to predict, as `rfm predict` resolved it (every path absolute). */
export interface ShardedPredictPlan {
  /** Run folder. */
  readonly model: string;
  /** Every source, in input order. */
  readonly sources: readonly string[];
  /** Number of shards. */
  readonly shards: number;
  /** Frames sampled per video. */
  readonly frames?: number | undefined;
  /** Faces per frame. */
  readonly faces?: 'all' | 'largest' | undefined;
  /** Alignment crop side. */
  readonly size?: number | undefined;
  /** Alignment margin. */
  readonly margin?: number | undefined;
  /** Face detector. */
  readonly detector?: 'tiny' | 'ssd' | undefined;
  /** Folder of the attention maps. */
  readonly fam?: string | undefined;
  /** Backend of the workers. */
  readonly backend: BackendChoice;
}

/**
 * The jobs of a sharded prediction; their files go to `root/<hash of the plan>/`. Source k goes to
 * shard k mod K (each source is one photo or one whole video).
 *
 * @param plan - the prediction
 * @param root - folder of the shard files (shared by every worker)
 */
export function predictShardJobs(plan: ShardedPredictPlan, root: string): { dir: string; payloads: PredictShardPayload[] } {
  // JSON drops the settings left to their defaults, so the hash and the payloads see the same plan.
  const resolved = JSON.parse(JSON.stringify(plan)) as ShardedPredictPlan;
  const dir = join(root, jobId('predict', resolved).slice(-16));
  const { sources, ...settings } = resolved;
  const payloads = Array.from({ length: plan.shards }, (_, shard) => ({
    ...settings,
    sources: sources.flatMap((path, index) => (index % plan.shards === shard ? [{ index, path }] : [])),
    shard,
    out: join(dir, `shard-${shard}-of-${plan.shards}.json`),
  })) as PredictShardPayload[];
  return { dir, payloads };
}

/**
 * `rfm predict --shards K`: runs the shard jobs on `--queue` (or the in-process pool) and returns
 * every source's verdict in input order.
 *
 * @param plan - the prediction
 * @param queueUrl - `--queue` (undefined: min(K, CPUs) local worker processes)
 * @param shardDir - `--shard-dir` (default RUN_DIR/predict-shards)
 * @param io - progress and the shard lines
 * @throws `JobFailedError` for a shard that failed after its retries; `QueueError` when a shard file is missing or incomplete
 */
export async function predictInShards(plan: ShardedPredictPlan, queueUrl: string | undefined, shardDir: string | undefined, io: CliIO): Promise<SourceResult[]> {
  const { dir, payloads } = predictShardJobs(plan, resolve(shardDir ?? join(plan.model, 'predict-shards')));
  io.err(`predict: ${plan.sources.length} source(s) in ${plan.shards} shard(s) on ${queueUrl ?? 'local worker processes'}; shard files in ${dir}\n`);
  const queue = await openQueue(queueUrl, plan.shards);
  try {
    const bar = new ProgressBar(io, 'shards', plan.shards);
    const shards = await runShardJobs(queue, PREDICT_SHARD_KIND, payloads, (done) => bar.update(done));
    io.err(shardWorkerLines('predict', shards, 'source(s)'));
  } finally {
    await queue.close();
  }
  const results: (SourceResult | undefined)[] = plan.sources.map(() => undefined);
  for (const p of payloads) {
    if (!existsSync(p.out)) throw new QueueError('RFM_SHARD_SCORES', `shard ${p.shard} finished but ${p.out} is missing: workers must share this path`);
    for (const { index, result } of readPredictShard(p.out).results) {
      if (plan.sources[index] !== result.source || results[index] !== undefined) {
        throw new QueueError('RFM_SHARD_SCORES', `shard file ${p.out} disagrees with the inputs at source ${index} (${result.source}); remove ${dir} and run again`);
      }
      results[index] = result;
    }
  }
  const missing = results.findIndex((r) => r === undefined);
  if (missing >= 0) throw new QueueError('RFM_SHARD_SCORES', `no shard holds source ${missing} (${plan.sources[missing]}); remove ${dir} and run again`);
  return results as SourceResult[];
}
