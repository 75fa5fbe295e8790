/**
 * The sandboxed processor BullMQ forks: loads the module named by `RFM_JOB_PROCESSOR` once per
 * child process and runs each job with it. Errors no retry can fix (bad or foreign payloads) are
 * passed to BullMQ as unrecoverable so the job fails at once with its reason.
 *
 * @packageDocumentation
 */
import { pathToFileURL } from 'node:url';
import { isUnrecoverable } from '@rfm/queue';

type Processor = (job: { id: string; data: unknown; attemptsMade: number }) => Promise<unknown>;
let loaded: Promise<Processor> | undefined;

/** Runs one job delivered by BullMQ. */
export default async function sandboxProcessor(job: { id?: string; data: unknown; attemptsMade?: number }): Promise<unknown> {
  const file = process.env.RFM_JOB_PROCESSOR;
  if (!file) throw new Error('RFM_JOB_PROCESSOR is not set: start workers with rfm worker');
  loaded ??= import(pathToFileURL(file).href).then((m: { default: Processor }) => m.default);
  const run = await loaded;
  try {
    return (await run({ id: job.id ?? '?', data: job.data, attemptsMade: job.attemptsMade ?? 0 })) ?? null;
  } catch (e) {
    if (!isUnrecoverable(e)) throw e;
    const error = new Error((e as Error).message);
    // BullMQ fails a job without retrying when its error is named so.
    error.name = 'UnrecoverableError';
    throw error;
  }
}
