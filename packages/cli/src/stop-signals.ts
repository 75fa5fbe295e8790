/**
 * Ctrl-C and SIGTERM during long commands: the first signal asks the work to stop at the next safe
 * point (after the current iteration, with a checkpoint); a second one exits at once. Exit codes
 * follow the shell convention 128 + signal number: 130 for SIGINT (Ctrl-C), 143 for SIGTERM.
 *
 * @packageDocumentation
 */
import type { CliIO } from './command.js';

/** Signals that stop a command gracefully. */
export type StopSignalName = 'SIGINT' | 'SIGTERM';

/** Exit code of a command stopped by each signal (128 + the signal number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignalName, number>> = { SIGINT: 130, SIGTERM: 143 };

/** What {@link watchStopSignals} returns. */
export interface StopSignals {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): StopSignalName | undefined;
  /** Removes the handlers (the default behaviour of the signals returns). */
  dispose(): void;
}

/**
 * Installs SIGINT and SIGTERM handlers for the duration of a long command. The first signal prints
 * `message` and aborts the returned signal; a second signal exits the process at once with
 * 130 (SIGINT) or 143 (SIGTERM).
 *
 * @param io - where the message goes
 * @param message - what happens now, e.g. `finishing the current iteration and writing a checkpoint`
 */
export function watchStopSignals(io: CliIO, message: string): StopSignals {
  const abort = new AbortController();
  let first: StopSignalName | undefined;
  const handlers = new Map<StopSignalName, () => void>();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      if (first !== undefined) {
        io.err(`\n${name}: stopping at once (exit ${SIGNAL_EXIT_CODES[name]})\n`);
        process.exit(SIGNAL_EXIT_CODES[name]);
      }
      first = name;
      io.err(`\n${name === 'SIGINT' ? 'interrupt (Ctrl-C)' : 'SIGTERM'}: ${message} (Ctrl-C again to stop at once)\n`);
      abort.abort();
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: abort.signal,
    received: () => first,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
