/**
 * `@rfm/cli`: the `rfm` command line (train, eval, metrics, info, erase, fam, backend).
 *
 * @packageDocumentation
 */
export { runCli, topLevelHelp } from './main.js';
export { CliUsageError, processIO } from './command.js';
export type { CliCommand, CliIO } from './command.js';
export { COMMANDS } from './commands/index.js';
export { captureIO } from './capture-io.js';
export type { CapturedIO } from './capture-io.js';
export { cliReference } from './reference.js';
export type { FlagKind, FlagSpec } from './flags.js';
