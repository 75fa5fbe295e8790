/**
 * `@rfm/queue-bullmq`: the BullMQ (Redis) implementation of the rfm job queue, for running
 * `rfm worker` on any number of machines. Install it only to scale out.
 *
 * @packageDocumentation
 */
export { BullJobQueue, DEFAULT_QUEUE_NAME, redisConnection, type BullJobQueueOptions } from './bull-job-queue.js';
export { startBullWorker, type BullWorkerOptions, type RunningWorker } from './bull-worker.js';
export { parseRedisUrl, type RedisAddress } from './redis-url.js';
