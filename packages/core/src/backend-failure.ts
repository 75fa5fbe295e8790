/**
 * Failures of the tensor backend itself (a WebAssembly trap, an Emscripten abort, a native
 * allocation failure) turned into one typed error with a one-line message and a fix, so that no
 * runtime dump reaches a user.
 *
 * @packageDocumentation
 */
import { errorMessage, RfmError } from './errors.js';

/** What the backend was doing when it failed, for the message ("a training step", "the FAM pass"). */
export type BackendActivity = string;

/** Messages of WebAssembly traps and Emscripten aborts, and of native out-of-memory failures. */
const BACKEND_FAILURE_PATTERNS: readonly RegExp[] = [
  /memory access out of bounds/i,
  /divide by zero/i,
  /integer overflow/i,
  /unreachable/i,
  /^Aborted\(/,
  /out of memory/i,
  /Cannot enlarge memory/i,
  /\bOOM when allocating\b/i,
  /std::bad_alloc/i,
  /Array buffer allocation failed/i,
];

/**
 * The tensor backend failed (for example `RuntimeError: memory access out of bounds` from the wasm
 * backend when a step does not fit in its 4 GB heap). `code` is `RFM_BACKEND_FAILURE`. The backend
 * is unusable afterwards in this process (a wasm trap leaves its heap in an unknown state).
 */
export class BackendFailureError extends RfmError {
  /**
   * @param backend - the active backend (`tf.getBackend()`)
   * @param activity - what it was doing, e.g. `a training step of 16 images`
   * @param cause - the original error
   */
  constructor(
    readonly backend: string,
    readonly activity: BackendActivity,
    cause: unknown,
  ) {
    super('RFM_BACKEND_FAILURE', `The ${backend} backend failed during ${activity} (${firstLine(errorMessage(cause))}). ${adviceFor(backend, cause)}`, { cause });
  }
}

/**
 * True when `e` is a failure of the tensor backend rather than of rfm.js code: a
 * `WebAssembly.RuntimeError`, an Emscripten abort, or a native out-of-memory error.
 *
 * @param e - any thrown value
 */
export function isBackendFailure(e: unknown): boolean {
  if (e instanceof BackendFailureError) return false;
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return true;
  if (e instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/i.test(e.message)) return true;
  const message = errorMessage(e);
  return BACKEND_FAILURE_PATTERNS.some((p) => p.test(message));
}

/**
 * Returns `e` as a {@link BackendFailureError} when it is a backend failure
 * ({@link isBackendFailure}), otherwise `e` unchanged; rethrow the result.
 *
 * @param e - the caught value
 * @param backend - the active backend
 * @param activity - what it was doing
 * @example
 * ```ts
 * try { step(); } catch (e) { throw asBackendFailure(e, tf.getBackend(), 'a training step'); }
 * ```
 */
export function asBackendFailure(e: unknown, backend: string, activity: BackendActivity): unknown {
  return isBackendFailure(e) ? new BackendFailureError(backend, activity, e) : e;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function adviceFor(backend: string, cause: unknown): string {
  const message = errorMessage(cause);
  if (backend === 'wasm') {
    return (
      'The wasm heap is limited to 4 GB: use a smaller micro-batch (microBatch), batch or input size, or the tensorflow backend; ' +
      `restart the process, the wasm backend cannot continue after ${/divide by zero/i.test(message) ? 'this trap' : 'this failure'}.`
    );
  }
  return 'Use a smaller micro-batch (microBatch), batch or input size, or free memory on this machine, then run again.';
}
