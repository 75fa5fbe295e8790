/**
 * The `--backend` flag shared by every command that computes with tensors.
 *
 * @packageDocumentation
 */
import { BACKEND_CHOICES, initBackend, type BackendChoice, type BackendReport } from '@rfm/backend';
import { cliWording } from './cli-wording.js';
import type { CliIO } from './command.js';
import type { Flags, FlagSpec } from './flags.js';

/** The `--backend` flag. */
export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  kind: 'choice',
  value: 'B',
  choices: BACKEND_CHOICES,
  help: 'auto (default: tensorflow if its native addon is built, else wasm, else cpu) | tensorflow | wasm | cpu',
};

/**
 * Starts the backend chosen by `--backend` (default `auto`, or `fallback`) and prints one line
 * saying which backend runs and why the others were skipped (in the CLI's wording, also in the
 * returned summary).
 *
 * @param f - parsed flags (of a command whose table includes {@link BACKEND_FLAG}, or not: then `fallback`)
 * @param io - where the line goes (stderr)
 * @param fallback - choice when the flag is absent
 */
export async function startBackend(f: Flags, io: CliIO, fallback: BackendChoice = 'auto'): Promise<BackendReport> {
  const chosen = f.declares('backend') ? f.string<BackendChoice>('backend') : undefined;
  const library = await initBackend(chosen ?? fallback);
  const report = { ...library, summary: cliWording(library.summary) };
  io.err(`backend: ${report.summary}\n`);
  return report;
}
