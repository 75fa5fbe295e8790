/**
 * Sharded scoring for `rfm eval --shards K [--queue URL]`: one `score-shard` job per shard (split
 * by video), then one reducer that reads the shard files back in the order of the whole evaluation
 * and computes the metrics, frame- and video-level, exactly as a single process does.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createConsoleLogger } from '@rfm/core';
import { loadDataset } from '@rfm/data';
import type { DatasetItem } from '@rfm/data';
import { jobId, QueueError, type JobQueue } from '@rfm/queue';
import type { BackendChoice } from '@rfm/backend';
import type { CliIO } from '../command.js';
import { selectEvalItems, type EvalSplit } from '../eval-items.js';
import { ProgressBar } from '../progress.js';
import { readRunConfig } from '../run-model.js';
import { openQueue } from './open-queue.js';
import { runShardJobs, shardWorkerLines } from './run-shard-jobs.js';
import { SCORE_SHARD_KIND, SHARD_SCORES_HEADER, type ScoreShardPayload, type ShardResult } from './score-shard-job.js';

/** A scored item read back from the shard files. */
export interface ShardScore {
  /** Position in the whole evaluation. */
  readonly index: number;
  /** Item id. */
  readonly id: string;
  /** 0 real, 1 fake. */
  readonly label: 0 | 1;
  /** P(fake). */
  readonly score: number;
  /** Logit gap. */
  readonly logitGap: number;
  /** Technique. */
  readonly technique: string;
}

/** What to score, as `rfm eval` resolved it. */
export interface ShardedEvalPlan {
  /** Run folder (absolute). */
  readonly model: string;
  /** Dataset path (absolute). */
  readonly data: string;
  /** Split scored. */
  readonly split: EvalSplit;
  /** Images per forward pass. */
  readonly batch: number;
  /** Skip unreadable images. */
  readonly skipBadImages: boolean;
  /** Number of shards. */
  readonly shards: number;
  /** Backend of the workers. */
  readonly backend: BackendChoice;
}

/**
 * The jobs of a sharded evaluation; their files go to `root/<hash of the plan>/`.
 *
 * @param plan - the evaluation
 * @param root - folder of the shard files (shared by every worker)
 */
export function shardJobs(plan: ShardedEvalPlan, root: string): { dir: string; payloads: ScoreShardPayload[] } {
  const dir = join(root, jobId('eval', plan).slice(-16));
  const payloads = Array.from({ length: plan.shards }, (_, shard) => ({ ...plan, shard, out: join(dir, `shard-${shard}-of-${plan.shards}.csv`) }));
  return { dir, payloads };
}

/** Parses one shard file (ids may hold commas: the fields around them do not). */
export function readShardScores(file: string): ShardScore[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  if (lines[0] !== SHARD_SCORES_HEADER) throw new QueueError('RFM_SHARD_SCORES', `${file}: not a shard scores file (header ${lines[0] ?? 'missing'})`);
  return lines.slice(1).map((line) => {
    const first = line.indexOf(',');
    const tail = line.split(',').slice(-4);
    const id = line.slice(first + 1, line.length - tail.join(',').length - 1);
    const [label, score, logitGap, technique] = tail as [string, string, string, string];
    return { index: Number(line.slice(0, first)), id, label: Number(label) as 0 | 1, score: Number(score), logitGap: Number(logitGap), technique };
  });
}

/**
 * Runs the shard jobs on `queue` and gathers their scores in the order of the whole evaluation.
 *
 * @param queue - where the jobs run
 * @param payloads - from {@link shardJobs}
 * @param items - every item of the evaluation (to check that each was scored exactly once)
 * @param skipBadImages - unreadable items may be missing
 * @param onProgress - shards finished so far
 * @returns the scores and, per shard, its job's result (size, file, worker)
 * @throws `JobFailedError` for a shard that failed after its retries
 */
export async function runShards(
  queue: JobQueue,
  payloads: readonly ScoreShardPayload[],
  items: readonly DatasetItem[],
  skipBadImages: boolean,
  onProgress?: (done: number, total: number) => void,
): Promise<{ scores: ShardScore[]; shards: ShardResult[] }> {
  const shards = await runShardJobs(queue, SCORE_SHARD_KIND, payloads, onProgress);
  const scores = payloads.flatMap((p) => {
    if (!existsSync(p.out)) throw new QueueError('RFM_SHARD_SCORES', `shard ${p.shard} finished but ${p.out} is missing: workers must share this path`);
    return readShardScores(p.out);
  });
  scores.sort((a, b) => a.index - b.index);
  const seen = new Set<number>();
  for (const s of scores) {
    if (seen.has(s.index) || items[s.index]?.id !== s.id) throw new QueueError('RFM_SHARD_SCORES', `shard scores disagree with the dataset at item ${s.index} (${s.id}); remove ${payloads[0]!.out.replace(/[^/]*$/, '')} and run again`);
    seen.add(s.index);
  }
  if (!skipBadImages && seen.size !== items.length) throw new QueueError('RFM_SHARD_SCORES', `shards scored ${seen.size} of ${items.length} items`);
  return { scores, shards };
}

/** Options of {@link evalInShards}. */
export interface EvalInShardsOptions {
  /** `--model`. */
  readonly modelDir: string;
  /** `--data`, resolved. */
  readonly data: string;
  /** `--split`. */
  readonly splitFlag: EvalSplit | undefined;
  /** `--batch`. */
  readonly batch: number;
  /** `--skip-bad-images`. */
  readonly skipBadImages: boolean;
  /** `--shards`. */
  readonly shards: number;
  /** `--queue` (undefined: the in-process pool of min(K, CPUs) worker processes). */
  readonly queueUrl: string | undefined;
  /** `--backend` of the workers. */
  readonly backend: BackendChoice;
  /** `--shard-dir` (default RUN_DIR/eval-shards). */
  readonly shardDir: string | undefined;
}

/**
 * `rfm eval --shards K`: resolves the items as a single process would, scores them in K jobs and
 * returns the scores in the single process's order.
 *
 * @param o - the flags
 * @param io - progress
 */
export async function evalInShards(
  o: EvalInShardsOptions,
  io: CliIO,
): Promise<{ split: EvalSplit; items: readonly DatasetItem[]; scores: ShardScore[]; dir: string }> {
  const run = readRunConfig(o.modelDir);
  const dataset = await loadDataset(o.data, { logger: createConsoleLogger('rfm') });
  const { split, items } = selectEvalItems(dataset, o.data, run, o.splitFlag);
  const plan: ShardedEvalPlan = { model: run.runDir, data: o.data, split, batch: o.batch, skipBadImages: o.skipBadImages, shards: o.shards, backend: o.backend };
  const { dir, payloads } = shardJobs(plan, resolve(o.shardDir ?? join(run.runDir, 'eval-shards')));
  io.err(`eval: ${items.length} images (${split === 'all' ? 'whole dataset' : `${split} split of the run`}) in ${o.shards} shard(s) on ${o.queueUrl ?? 'local worker processes'}; shard files in ${dir}\n`);
  const queue = await openQueue(o.queueUrl, o.shards);
  try {
    const bar = new ProgressBar(io, 'shards', o.shards);
    const { scores, shards } = await runShards(queue, payloads, items, o.skipBadImages, (done) => bar.update(done));
    io.err(shardWorkerLines('eval', shards, 'images'));
    return { split, items, scores, dir };
  } finally {
    await queue.close();
  }
}
