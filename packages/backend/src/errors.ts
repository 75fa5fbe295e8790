/**
 * Errors of `@rfm/backend`.
 *
 * @packageDocumentation
 */
import { RfmError } from '@rfm/core';

/** Names of the backends `@rfm/backend` can start. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/**
 * A requested TensorFlow.js backend cannot be loaded. `code` is `RFM_BACKEND_UNAVAILABLE`; the
 * message says why and how to fix it in one line.
 */
export class BackendUnavailableError extends RfmError {
  /**
   * @param backend - the backend that was requested
   * @param reason - why it cannot load, with the fix
   * @param options - the underlying error, if any
   */
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('RFM_BACKEND_UNAVAILABLE', `Backend "${backend}" is unavailable: ${reason}`, options);
  }
}
