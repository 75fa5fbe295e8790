/**
 * The `train-run` job: one training run of an experiment grid (one method, seed and option values)
 * into its own run folder. A finished run leaves `job-done.json` (the hash of its configuration);
 * running the job again then changes nothing, and an unfinished folder (a worker that died) is
 * started over, which gives the same run because every random choice is seeded.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@rfm/core';
import { canonicalJson, jobId, type JobHandler } from '@rfm/queue';
import type { CliIO } from '../command.js';
import { runTraining } from '../run-training.js';
import type { TrainConfig } from '../train-config.js';
import { PayloadFields } from './payload-fields.js';
import { modelThreadsSuggestion } from '../thread-suggestions.js';
import { ensureWorkerBackend, JOB_BACKENDS, workerCores } from './worker-backend.js';

/** Kind of the training job. */
export const TRAIN_RUN_KIND = 'train-run';

/** Marker a finished run folder holds. */
export const RUN_DONE_FILE = 'job-done.json';

/** Payload of a `train-run` job. */
export interface TrainRunPayload {
  /** The resolved run configuration (data path absolute). */
  readonly config: TrainConfig;
  /** Run folder (absolute). */
  readonly out: string;
  /** TensorFlow.js backend. */
  readonly backend: (typeof JOB_BACKENDS)[number];
}

/** What `job-done.json` holds. */
export interface RunDone {
  /** Hash of the configuration the run was trained with. */
  readonly configHash: string;
  /** Training wall time, ms. */
  readonly ms: number;
  /** Iterations done. */
  readonly steps: number;
}

/** Hash of a run configuration, as recorded in {@link RUN_DONE_FILE}. */
export function configHash(config: TrainConfig): string {
  return jobId('config', config);
}

/**
 * The marker of a finished run in `out` for `config`, if there is one.
 *
 * @param out - run folder
 * @param config - the configuration it should have been trained with
 */
export function finishedRun(out: string, config: TrainConfig): RunDone | undefined {
  const file = join(out, RUN_DONE_FILE);
  if (!existsSync(file)) return undefined;
  const done = JSON.parse(readFileSync(file, 'utf8')) as RunDone;
  return done.configHash === configHash(config) ? done : undefined;
}

/** Output of a worker's training (progress is not drawn). */
const quietIO: CliIO = { out: () => {}, err: () => {}, interactive: false };

/** The `train-run` handler. */
export const trainRunJob: JobHandler<TrainRunPayload, RunDone> = {
  kind: TRAIN_RUN_KIND,
  validate(payload) {
    const f = new PayloadFields(TRAIN_RUN_KIND, payload);
    const config = f.object('config');
    const trainer = config.trainer as Record<string, unknown> | undefined;
    if (typeof config.data !== 'string' || typeof config.backbone !== 'string' || !Array.isArray(config.augment) || typeof trainer?.iterations !== 'number') {
      f.fail(`field "config" is not an rfm train configuration (needs data, backbone, augment and trainer.iterations): ${canonicalJson(config).slice(0, 80)}`);
    }
    return { config: config as unknown as TrainConfig, out: f.path('out'), backend: f.choice('backend', JOB_BACKENDS) };
  },
  async run(p) {
    const done = finishedRun(p.out, p.config);
    if (done) return done;
    const backend = await ensureWorkerBackend(p.backend, modelThreadsSuggestion(p.config, workerCores()));
    rmSync(p.out, { recursive: true, force: true });
    const outcome = await runTraining(p.config, p.out, quietIO, { backendSummary: backend.summary });
    if (!outcome.completed) throw new Error(`training into ${p.out} was interrupted at step ${outcome.steps}`);
    const marker: RunDone = { configHash: configHash(p.config), ms: outcome.ms, steps: outcome.steps };
    writeFileAtomic(join(p.out, RUN_DONE_FILE), `${JSON.stringify(marker, null, 2)}\n`);
    return marker;
  },
};
