/**
 * Which worker ran a job: recorded in job results and logs so that a fleet's work can be traced
 * (and tests can check that every worker took part).
 *
 * @packageDocumentation
 */
import { hostname } from 'node:os';

/** Environment variable a worker sets for the job processes it starts: its own identity. */
export const WORKER_ID_ENV = 'RFM_WORKER_ID';

/**
 * The identity of the worker running this process's jobs: `HOST:PID` of the `rfm worker` that
 * started this job process ({@link WORKER_ID_ENV}), else of this process (a pool worker of the
 * in-process queue is its own worker).
 */
export function workerIdentity(): string {
  return process.env[WORKER_ID_ENV] || `${hostname()}:${process.pid}`;
}
