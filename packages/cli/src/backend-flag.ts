/**
 * The `--backend` flag shared by every command that computes with tensors.
 *
 * @packageDocumentation
 */
import { BACKEND_CHOICES, initBackend, type BackendChoice, type BackendReport } from '@rfm/backend';
import { choiceFlag, type OptionSpecs, type ParsedArgs } from './args.js';
import { cliWording } from './cli-wording.js';
import type { CliIO } from './command.js';

/** parseArgs spec of `--backend`. */
export const BACKEND_FLAG_SPEC: OptionSpecs = { backend: { type: 'string' } };

/** Help line of `--backend`. */
export const BACKEND_FLAG_HELP = `  --backend B       auto (default: tensorflow if its native addon is built, else wasm, else cpu) | tensorflow | wasm | cpu`;

/**
 * Starts the backend chosen by `--backend` (default `auto`, or `fallback`) and prints one line
 * saying which backend runs and why the others were skipped (in the CLI's wording, also in the
 * returned summary).
 *
 * @param p - parsed arguments
 * @param command - command name for messages
 * @param io - where the line goes (stderr)
 * @param fallback - choice when the flag is absent
 */
export async function startBackend(p: ParsedArgs, command: string, io: CliIO, fallback: BackendChoice = 'auto'): Promise<BackendReport> {
  const choice = choiceFlag(p, 'backend', command, BACKEND_CHOICES) ?? fallback;
  const library = await initBackend(choice);
  const report = { ...library, summary: cliWording(library.summary) };
  io.err(`backend: ${report.summary}\n`);
  return report;
}
