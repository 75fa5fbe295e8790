/**
 * Messages between {@link LocalJobQueue} and its worker processes.
 *
 * @packageDocumentation
 */

/** Parent to worker: run this job. */
export interface ChildRequest {
  /** Job id. */
  readonly id: string;
  /** The job envelope. */
  readonly data: unknown;
  /** Attempts made before this one. */
  readonly attemptsMade: number;
}

/** Worker to parent: how the job ended. */
export type ChildReply =
  | { readonly id: string; readonly ok: true; readonly result: unknown }
  | { readonly id: string; readonly ok: false; readonly reason: string; readonly unrecoverable: boolean };
