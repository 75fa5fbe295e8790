/**
 * `@rfm/queue`: the job-queue contract of rfm (content-addressed job ids, an envelope checked by
 * every worker, typed payload errors, retries with back-off) and its in-process implementation, a
 * pool of N worker processes on one machine. The Redis implementation is `@rfm/queue-bullmq`.
 *
 * @packageDocumentation
 */
export { canonicalJson, jobId } from './job-id.js';
export { describe as describeValue, prepareJob, readEnvelope, RFM_JOB_FORMAT, type JobEnvelope, type JobSpec, type PreparedJob } from './job-envelope.js';
export { ForeignJobError, isUnrecoverable, JobFailedError, JobPayloadError, QueueError, QueueUrlError } from './errors.js';
export { jobRegistry, runJob, type JobContext, type JobHandler, type JobRegistry } from './job-handler.js';
export { DEFAULT_RETRY, type JobOutcome, type JobQueue, type QueueCounts, type RetryPolicy, type SubmitResult, type WaitOptions } from './job-queue.js';
export { LocalJobQueue, type LocalJobQueueOptions } from './local-job-queue.js';
export type { ChildReply, ChildRequest } from './local-worker-protocol.js';
export { WORKER_ID_ENV, workerIdentity } from './worker-identity.js';
