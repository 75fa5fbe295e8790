/**
 * The `score-shard` job: scores one shard of an evaluation (the items of every K-th video or photo)
 * with a run's model and writes the scores to the shard's file, atomically.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { createConsoleLogger, predict, writeFileAtomic, type Logger } from '@rfm/core';
import { loadDataset, type DatasetItem } from '@rfm/data';
import { workerIdentity, type JobHandler } from '@rfm/queue';
import { EVAL_SPLITS, selectEvalItems, type EvalSplit } from '../eval-items.js';
import { evalSourceFor } from '../run-data.js';
import { resizeForCrop } from '../train-config.js';
import { PayloadFields } from './payload-fields.js';
import { workerModel } from './worker-model.js';
import { readRunConfig } from '../run-model.js';
import { inferenceThreadsSuggestion } from '../thread-suggestions.js';
import { ensureWorkerBackend, JOB_BACKENDS, workerCores } from './worker-backend.js';

/** Kind of the scoring job. */
export const SCORE_SHARD_KIND = 'score-shard';

/** Payload of a `score-shard` job (every path absolute). */
export interface ScoreShardPayload {
  /** Run folder (or its model/ folder). */
  readonly model: string;
  /** Dataset folder, manifest or DeepfakeBench .json. */
  readonly data: string;
  /** Split scored. */
  readonly split: EvalSplit;
  /** Images per forward pass. */
  readonly batch: number;
  /** Skip unreadable images instead of failing. */
  readonly skipBadImages: boolean;
  /** This shard, 0-based. */
  readonly shard: number;
  /** Number of shards. */
  readonly shards: number;
  /** Scores file written. */
  readonly out: string;
  /** TensorFlow.js backend. */
  readonly backend: (typeof JOB_BACKENDS)[number];
}

/** Header of a shard's scores file: `index` is the item's position in the whole evaluation. */
export const SHARD_SCORES_HEADER = 'index,id,label,score,logit_gap,technique';

/**
 * The items of shard `shard` of `shards`, with their positions in `items`: videos (groups) are
 * dealt round-robin in order of first appearance, so all frames of a video land in one shard; an
 * item without a group is its own video.
 *
 * @param items - every item of the evaluation, in order
 * @param shard - 0-based shard
 * @param shards - number of shards
 */
export function shardItems(items: readonly DatasetItem[], shard: number, shards: number): { index: number; item: DatasetItem }[] {
  const shardOfGroup = new Map<string, number>();
  const picked: { index: number; item: DatasetItem }[] = [];
  for (const [index, item] of items.entries()) {
    const key = item.group !== undefined ? `g:${item.group}` : `i:${item.id}`;
    let s = shardOfGroup.get(key);
    if (s === undefined) {
      s = shardOfGroup.size % shards;
      shardOfGroup.set(key, s);
    }
    if (s === shard) picked.push({ index, item });
  }
  return picked;
}

/** What a shard job returns. */
export interface ShardResult {
  /** The shard, 0-based. */
  readonly shard: number;
  /** Items (or sources) in its file. */
  readonly images: number;
  /** Its file. */
  readonly file: string;
  /** The worker that ran the job (`HOST:PID`, see `workerIdentity` of `@rfm/queue`). */
  readonly worker: string;
}

/** Quiet logger of workers (warnings still go to stderr). */
const logger: Logger = { ...createConsoleLogger('rfm worker'), info: () => {} };

/** The `score-shard` handler. */
export const scoreShardJob: JobHandler<ScoreShardPayload, ShardResult> = {
  kind: SCORE_SHARD_KIND,
  validate(payload) {
    const f = new PayloadFields(SCORE_SHARD_KIND, payload);
    const shards = f.int('shards', 1, 100_000);
    return {
      model: f.path('model'),
      data: f.path('data'),
      split: f.choice('split', EVAL_SPLITS),
      batch: f.int('batch', 1, 4096),
      skipBadImages: f.bool('skipBadImages'),
      shard: f.int('shard', 0, shards - 1),
      shards,
      out: f.path('out'),
      backend: f.choice('backend', JOB_BACKENDS),
    };
  },
  async run(p) {
    // Idempotent: the file name is keyed by the evaluation's content hash and written atomically.
    if (existsSync(p.out)) return { shard: p.shard, images: readFileSync(p.out, 'utf8').trim().split('\n').length - 1, file: p.out, worker: workerIdentity() };
    await ensureWorkerBackend(p.backend, inferenceThreadsSuggestion(readRunConfig(p.model).config, p.batch, workerCores()));
    const run = await workerModel(p.model);
    const inputSize = run.backbone.config.inputSize;
    const dataset = await loadDataset(p.data, { logger });
    const { items } = selectEvalItems(dataset, p.data, run, p.split);
    const mine = shardItems(items, p.shard, p.shards);
    const indexOf = new Map(mine.map((m) => [m.item.id, m.index]));
    const source = await evalSourceFor(mine.map((m) => m.item), { resize: run.config?.resize ?? resizeForCrop(inputSize), backboneOptions: { inputSize } }, p.skipBadImages, logger);
    const pr = await predict(run.backbone, source, p.batch);
    const rows = pr.ids.map((id, i) => `${indexOf.get(id)},${id},${pr.labels[i]},${pr.scores[i]},${pr.logitGaps[i]},${pr.techniques[i]}`);
    writeFileAtomic(p.out, `${SHARD_SCORES_HEADER}\n${rows.map((r) => `${r}\n`).join('')}`);
    return { shard: p.shard, images: rows.length, file: p.out, worker: workerIdentity() };
  },
};
