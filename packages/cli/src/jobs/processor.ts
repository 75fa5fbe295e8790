/**
 * The job processor of rfm workers (`rfm worker`, the in-process pool): its default export runs one
 * delivered job. Each worker process imports it once, so a model stays loaded across the jobs it runs.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { jobRegistry, runJob, type JobHandler } from '@rfm/queue';
import { predictShardJob } from './predict-shard-job.js';
import { prepareSourceJob } from './prepare-source-job.js';
import { scoreShardJob } from './score-shard-job.js';
import { trainRunJob } from './train-run-job.js';

/** Every job kind an rfm worker runs. */
export const RFM_JOBS = jobRegistry([scoreShardJob, predictShardJob, trainRunJob, prepareSourceJob] as unknown as JobHandler<never, unknown>[]);

/** Path of this module, for queues that fork workers. */
export const PROCESSOR_FILE = fileURLToPath(import.meta.url);

/**
 * Runs one job: checks its envelope and payload (a bad or foreign job is rejected with a typed
 * error before anything runs), then its handler.
 *
 * @param job - id, data and attempts made, as the queue delivers them
 */
export default async function processRfmJob(job: { id: string; data: unknown; attemptsMade: number }): Promise<unknown> {
  return runJob(RFM_JOBS, job.data, { id: job.id, attemptsMade: job.attemptsMade });
}
