/**
 * The TensorFlow.js backend of a worker process, started once and switched only when a job asks
 * for another one.
 *
 * @packageDocumentation
 */
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '@rfm/backend';

let current: { choice: BackendChoice; ready: Promise<unknown> } | undefined;

/** Backend choices a job may name. */
export const JOB_BACKENDS = BACKEND_CHOICES;

/**
 * Starts `choice` unless it already runs in this process.
 *
 * @param choice - `auto`, `tensorflow`, `wasm` or `cpu`
 */
export async function ensureWorkerBackend(choice: BackendChoice): Promise<void> {
  if (current?.choice !== choice) current = { choice, ready: initBackend(choice) };
  await current.ready;
}
