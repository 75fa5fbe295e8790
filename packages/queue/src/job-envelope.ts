/**
 * The envelope every rfm job travels in, and its check on the worker side.
 *
 * @packageDocumentation
 */
import { ForeignJobError } from './errors.js';
import { jobId } from './job-id.js';

/** Marker and version of the envelope. */
export const RFM_JOB_FORMAT = 'rfm-job/1';

/** What is stored on the queue for one job. */
export interface JobEnvelope {
  /** Always {@link RFM_JOB_FORMAT}. */
  readonly format: typeof RFM_JOB_FORMAT;
  /** Job kind: selects the handler. */
  readonly kind: string;
  /** The kind's payload (checked by the handler before it runs). */
  readonly payload: unknown;
}

/** A job to submit: its kind and payload; the id is derived from both. */
export interface JobSpec {
  /** Job kind. */
  readonly kind: string;
  /** Resolved payload (absolute paths, every default filled in). */
  readonly payload: unknown;
}

/** A job ready for a queue: id and envelope. */
export interface PreparedJob {
  /** Content-addressed id ({@link jobId}). */
  readonly id: string;
  /** The data stored on the queue. */
  readonly data: JobEnvelope;
}

/**
 * Wraps a job for a queue.
 *
 * @param spec - kind and payload
 */
export function prepareJob(spec: JobSpec): PreparedJob {
  return { id: jobId(spec.kind, spec.payload), data: { format: RFM_JOB_FORMAT, kind: spec.kind, payload: spec.payload } };
}

/**
 * Checks that `data` is an rfm job envelope.
 *
 * @param data - what the queue delivered
 * @throws {@link ForeignJobError} when it is not
 */
export function readEnvelope(data: unknown): JobEnvelope {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ForeignJobError(`expected an object, got ${describe(data)}`);
  const d = data as Record<string, unknown>;
  if (d.format !== RFM_JOB_FORMAT) throw new ForeignJobError(`field "format" is ${describe(d.format)}, expected "${RFM_JOB_FORMAT}"`);
  if (typeof d.kind !== 'string' || d.kind === '') throw new ForeignJobError(`field "kind" is ${describe(d.kind)}, expected a job kind`);
  return { format: RFM_JOB_FORMAT, kind: d.kind, payload: d.payload };
}

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
