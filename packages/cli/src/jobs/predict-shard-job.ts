/**
 * The `predict-shard` job of `rfm predict --shards K`: the verdicts on one shard of the sources
 * (every K-th photo or video; a video is never split) with a run's model, written atomically to the
 * shard's JSON file with each source's position in the whole input list.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { writeFileAtomic } from '@rfm/core';
import { FaceDetector } from '@rfm/faces';
import { QueueError, workerIdentity, type JobHandler } from '@rfm/queue';
import { createBackboneScorer, runTransform } from '../face-scorer.js';
import { predictSource, type SourceResult } from '../source-predictions.js';
import { PayloadFields } from './payload-fields.js';
import type { ShardResult } from './score-shard-job.js';
import { readRunConfig } from '../run-model.js';
import { inferenceThreadsSuggestion } from '../thread-suggestions.js';
import { ensureWorkerBackend, JOB_BACKENDS, workerCores } from './worker-backend.js';
import { workerModel } from './worker-model.js';

/** Kind of the prediction job. */
export const PREDICT_SHARD_KIND = 'predict-shard';

/** Format marker of a prediction shard file. */
export const PREDICT_SHARD_FORMAT = 'rfm-predict-shard/1';

/** Payload of a `predict-shard` job (every path absolute; absent settings take `rfm predict`'s defaults). */
export interface PredictShardPayload {
  /** Run folder (or its model/ folder). */
  readonly model: string;
  /** This shard's sources: position in the whole input list and path. */
  readonly sources: readonly { readonly index: number; readonly path: string }[];
  /** This shard, 0-based. */
  readonly shard: number;
  /** Number of shards. */
  readonly shards: number;
  /** Frames sampled per video. */
  readonly frames?: number;
  /** Faces per frame. */
  readonly faces?: 'all' | 'largest';
  /** Alignment crop side. */
  readonly size?: number;
  /** Alignment margin. */
  readonly margin?: number;
  /** Face detector. */
  readonly detector?: 'tiny' | 'ssd';
  /** Folder of the attention maps (absent: none). */
  readonly fam?: string;
  /** Shard file written. */
  readonly out: string;
  /** TensorFlow.js backend. */
  readonly backend: (typeof JOB_BACKENDS)[number];
}

/** What a prediction shard file holds. */
export interface PredictShardFile {
  /** Always {@link PREDICT_SHARD_FORMAT}. */
  readonly format: typeof PREDICT_SHARD_FORMAT;
  /** The worker that wrote it (`HOST:PID`). */
  readonly worker: string;
  /** One verdict per source of the shard, with its position in the whole input list. */
  readonly results: readonly { readonly index: number; readonly result: SourceResult }[];
}

/**
 * Reads a prediction shard file.
 *
 * @param file - its path
 * @throws `QueueError` (`RFM_SHARD_SCORES`) when it is not one
 */
export function readPredictShard(file: string): PredictShardFile {
  let data: Partial<PredictShardFile> | undefined;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<PredictShardFile>;
  } catch {
    data = undefined;
  }
  if (data?.format !== PREDICT_SHARD_FORMAT || !Array.isArray(data.results)) {
    throw new QueueError('RFM_SHARD_SCORES', `${file} is not a prediction shard file (${PREDICT_SHARD_FORMAT}); remove it and run again`);
  }
  return data as PredictShardFile;
}

/** The `predict-shard` handler. */
export const predictShardJob: JobHandler<PredictShardPayload, ShardResult> = {
  kind: PREDICT_SHARD_KIND,
  validate(payload) {
    const f = new PayloadFields(PREDICT_SHARD_KIND, payload);
    const raw = payload as Record<string, unknown>;
    const shards = f.int('shards', 1, 100_000);
    const sources = raw.sources;
    if (!Array.isArray(sources) || !sources.every((s) => typeof s?.path === 'string' && isAbsolute(s.path) && Number.isInteger(s?.index) && s.index >= 0)) {
      f.fail('field "sources" must list {"index": N, "path": "/absolute/path"} entries');
    }
    const optional = <T>(name: string, read: () => T): T | undefined => (raw[name] === undefined ? undefined : read());
    return {
      model: f.path('model'),
      sources: (sources as { index: number; path: string }[]).map((s) => ({ index: s.index, path: s.path })),
      shard: f.int('shard', 0, shards - 1),
      shards,
      frames: optional('frames', () => f.int('frames', 1, 100_000)),
      faces: optional('faces', () => f.choice('faces', ['all', 'largest'] as const)),
      size: optional('size', () => f.int('size', 16, 4096)),
      margin: optional('margin', () => f.number('margin', 1, 4)),
      detector: optional('detector', () => f.choice('detector', ['tiny', 'ssd'] as const)),
      fam: optional('fam', () => f.path('fam')),
      out: f.path('out'),
      backend: f.choice('backend', JOB_BACKENDS),
    };
  },
  async run(p) {
    // Idempotent: the file name is keyed by the prediction's content hash and written atomically.
    if (existsSync(p.out)) return { shard: p.shard, images: readPredictShard(p.out).results.length, file: p.out, worker: workerIdentity() };
    // One image per forward pass, as `rfm predict` runs its model.
    await ensureWorkerBackend(p.backend, inferenceThreadsSuggestion(readRunConfig(p.model).config, 1, workerCores()));
    const run = await workerModel(p.model);
    const transform = runTransform(run);
    const detector = await FaceDetector.create(p.detector === undefined ? {} : { detector: p.detector });
    const scorer = createBackboneScorer(run.backbone, transform);
    const fam = p.fam === undefined ? undefined : { dir: p.fam, backbone: run.backbone, transform };
    const results: PredictShardFile['results'][number][] = [];
    for (const s of p.sources) {
      results.push({ index: s.index, result: await predictSource(s.path, { detector, scorer, frames: p.frames, faces: p.faces, size: p.size, margin: p.margin, fam }) });
    }
    const file: PredictShardFile = { format: PREDICT_SHARD_FORMAT, worker: workerIdentity(), results };
    writeFileAtomic(p.out, `${JSON.stringify(file)}\n`);
    return { shard: p.shard, images: results.length, file: p.out, worker: file.worker };
  },
};
