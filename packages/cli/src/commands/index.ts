/**
 * The command table of `rfm`, in the order `rfm --help` lists them.
 *
 * @packageDocumentation
 */
import type { CliCommand } from '../command.js';

/** Every sub-command. */
export const COMMANDS: readonly CliCommand[] = [];
