/**
 * The shape of a CLI command and the errors the CLI turns into exit codes.
 *
 * @packageDocumentation
 */
import type { FlagSpec } from './flags.js';

/** Where a command writes. Injected so tests can capture output. */
export interface CliIO {
  /** Writes to standard output (results: tables, JSON). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings). */
  err(text: string): void;
  /** True when standard error is a terminal (progress bars redraw in place). */
  readonly interactive: boolean;
}

/** One `rfm` sub-command. */
export interface CliCommand {
  /** Name typed after `rfm`. */
  readonly name: string;
  /** One-line description for `rfm --help`. */
  readonly summary: string;
  /** Full help text printed by `rfm <name> --help` (its flag lines generated from {@link CliCommand.flags}). */
  readonly help: string;
  /** The command's flag table (every table of its sub-commands), from which parsing, validation and help come. */
  readonly flags: readonly FlagSpec[];
  /**
   * Runs the command; throws {@link CliUsageError} on bad arguments. May resolve to an exit code
   * other than 0 for outcomes that are not errors (e.g. 3 = this machine cannot do it).
   */
  run(args: string[], io: CliIO): Promise<void | number>;
}

/** Bad command-line arguments: exit code 2 and a one-line reason. */
export class CliUsageError extends Error {
  /** Stable code. */
  readonly code = 'RFM_CLI_USAGE';
  /** @param message - what is wrong and how to fix it */
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** Standard streams as a {@link CliIO}. */
export const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};
