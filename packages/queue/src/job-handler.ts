/**
 * Job handlers (what a worker can run) and the one function that runs a delivered job.
 *
 * @packageDocumentation
 */
import { ForeignJobError } from './errors.js';
import { readEnvelope } from './job-envelope.js';

/** How to check and run one kind of job. */
export interface JobHandler<P = unknown, R = unknown> {
  /** The kind this handler runs. */
  readonly kind: string;
  /**
   * Checks a payload and returns it typed.
   *
   * @throws `JobPayloadError` naming the bad field
   */
  validate(payload: unknown): P;
  /** Runs the job; resolves to a JSON-serialisable result. Must be idempotent. */
  run(payload: P, context: JobContext): Promise<R>;
}

/** What a handler knows about the job it runs. */
export interface JobContext {
  /** The job id. */
  readonly id: string;
  /** Attempts made before this one (0 on the first run). */
  readonly attemptsMade: number;
}

/** The handlers of a worker, by kind. */
export type JobRegistry = ReadonlyMap<string, JobHandler<never, unknown>>;

/**
 * Builds a registry from handlers.
 *
 * @param handlers - one per kind
 */
export function jobRegistry(handlers: readonly JobHandler<never, unknown>[]): JobRegistry {
  return new Map(handlers.map((h) => [h.kind, h]));
}

/**
 * Checks a delivered job (envelope, kind, payload) and runs it.
 *
 * @param registry - the handlers
 * @param data - what the queue delivered
 * @param context - id and attempt
 * @throws `ForeignJobError` / `JobPayloadError` before anything runs when the job is not valid
 */
export async function runJob(registry: JobRegistry, data: unknown, context: JobContext): Promise<unknown> {
  const envelope = readEnvelope(data);
  const handler = registry.get(envelope.kind) as JobHandler<unknown, unknown> | undefined;
  if (!handler) throw new ForeignJobError(`unknown job kind "${envelope.kind}" (this worker runs ${[...registry.keys()].join(', ')})`);
  const payload = handler.validate(envelope.payload);
  return handler.run(payload, context);
}
