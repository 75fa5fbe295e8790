/**
 * Typed errors of the job queue: each has a stable `code`.
 *
 * @packageDocumentation
 */

/** Base class of every job-queue error. */
export class QueueError extends Error {
  /**
   * @param code - stable machine-readable code
   * @param message - what is wrong and how to fix it
   */
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A job whose payload does not match its kind (a missing or mistyped field). Never retried: running
 * it again cannot succeed.
 */
export class JobPayloadError extends QueueError {
  /**
   * @param kind - the job kind
   * @param problem - what is wrong with the payload, naming the field
   */
  constructor(kind: string, problem: string) {
    super('RFM_JOB_PAYLOAD', `job "${kind}": ${problem}; submit the job again with rfm (it builds valid payloads)`);
  }
}

/**
 * Data that is not an rfm job at all (another program's job on the same queue) or an rfm job of a
 * kind this worker does not know (an older worker version). Never retried.
 */
export class ForeignJobError extends QueueError {
  /** @param problem - what was found instead of an rfm job */
  constructor(problem: string) {
    super('RFM_JOB_FOREIGN', `not an rfm job: ${problem}; give rfm its own Redis database (redis://HOST:PORT/DB) or upgrade the worker`);
  }
}

/** A queue address that cannot be used (only `redis://HOST:PORT[/DB]` is understood). */
export class QueueUrlError extends QueueError {
  /** @param url - the address given */
  constructor(url: string, why: string) {
    super('RFM_QUEUE_URL', `--queue ${url}: ${why} (expected redis://HOST:PORT, e.g. redis://127.0.0.1:6379)`);
  }
}

/** A job that failed after its last attempt. */
export class JobFailedError extends QueueError {
  /**
   * @param id - the job id
   * @param reason - the last failure
   */
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super('RFM_JOB_FAILED', `job ${id} failed: ${reason}`);
  }
}

/** True for errors that no retry can fix (bad or foreign payloads). */
export function isUnrecoverable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'RFM_JOB_PAYLOAD' || code === 'RFM_JOB_FOREIGN';
}
