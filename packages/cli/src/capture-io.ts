/**
 * A {@link CliIO} that records what a command writes (for tests and for embedding the CLI).
 *
 * @packageDocumentation
 */
import type { CliIO } from './command.js';

/** Captured output of a CLI run. */
export interface CapturedIO extends CliIO {
  /** Everything written to standard output. */
  readonly stdout: () => string;
  /** Everything written to standard error. */
  readonly stderr: () => string;
}

/** Creates a non-interactive {@link CliIO} that keeps the output in memory. */
export function captureIO(): CapturedIO {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    interactive: false,
    stdout: () => out,
    stderr: () => err,
  };
}
