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
 * The `--wasm-threads` flag: XNNPACK threads of the wasm backend (`initBackend`'s `threads`). The
 * CLI ends every command with `process.exit`, so the pthread workers never keep it alive.
 */
export const WASM_THREADS_FLAG: FlagSpec = {
  name: 'wasm-threads',
  kind: 'int',
  value: 'N',
  min: 1,
  max: 64,
  help: 'XNNPACK threads when the wasm backend runs (default 1; 2 made an Xception w0.25\ntraining step 1.4x faster on a 2-core machine with nothing else running)',
};

/** `--backend` and `--wasm-threads`, for the flag table of a command that computes with tensors. */
export const BACKEND_FLAGS: readonly FlagSpec[] = [BACKEND_FLAG, WASM_THREADS_FLAG];

/**
 * Starts the backend chosen by `--backend` (default `auto`, or `fallback`), with `--wasm-threads`
 * XNNPACK threads if wasm runs, and prints one line saying which backend runs and why the others
 * were skipped (in the CLI's wording, also in the returned summary).
 *
 * @param f - parsed flags (of a command whose table includes {@link BACKEND_FLAGS}, or not: then `fallback`)
 * @param io - where the line goes (stderr)
 * @param fallback - choice when the flag is absent
 */
export async function startBackend(f: Flags, io: CliIO, fallback: BackendChoice = 'auto'): Promise<BackendReport> {
  const chosen = f.declares('backend') ? f.string<BackendChoice>('backend') : undefined;
  const threads = f.declares('wasm-threads') ? f.number('wasm-threads') : undefined;
  const library = await initBackend(chosen ?? fallback, threads === undefined ? {} : { threads });
  // With threads asked for, say how many XNNPACK runs (the loaded candidate's reason).
  const loaded = library.candidates.find((c) => c.status === 'loaded');
  const threaded = threads !== undefined && threads > 1 && library.backend === 'wasm' && loaded ? `; ${loaded.reason}` : '';
  const report = { ...library, summary: cliWording(library.summary) + threaded };
  io.err(`backend: ${report.summary}\n`);
  return report;
}
