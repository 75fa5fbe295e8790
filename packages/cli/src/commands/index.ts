/**
 * The command table of `rfm`, in the order `rfm --help` lists them.
 *
 * @packageDocumentation
 */
import type { CliCommand } from '../command.js';
import { infoCommand } from './info.js';
import { metricsCommand } from './metrics.js';

/** Every sub-command. */
export const COMMANDS: readonly CliCommand[] = [metricsCommand, infoCommand];
