/**
 * The `rfm` command line: dispatches to sub-commands and maps errors to exit codes
 * (0 success, 1 failure with a one-line reason, 2 bad arguments, 130/143 after SIGINT/SIGTERM).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { asBackendFailure, isBackendFailure, RfmError } from '@rfm/core';
import { cliWording } from './cli-wording.js';
import { CliUsageError, processIO, type CliCommand, type CliIO } from './command.js';
import { COMMANDS } from './commands/index.js';

/** Top-level help text. */
export function topLevelHelp(commands: readonly CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'rfm: train and audit fake-face detectors with Representative Forgery Mining (Wang & Deng, CVPR 2021).',
    '',
    'Usage: rfm <command> [options]     (from the repository: pnpm rfm <command> [options])',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `rfm <command> --help` for the options of a command.',
    '',
    'Exit codes: 0 done; 1 failed (a one-line reason on stderr); 2 bad arguments; 3 rfm backend',
    'build-native: this machine cannot build it; 130 stopped by Ctrl-C (SIGINT), 143 stopped by',
    'SIGTERM. Long commands (train, compare) stop gracefully on the first Ctrl-C or SIGTERM (finish',
    'the current iteration, write a checkpoint, say how to resume) and at once on the second.',
    '',
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * @param argv - arguments, e.g. `['train', '--data', 'data/ffhq-stylegan2', '--out', 'runs/a']`
 * @param io - output streams
 * @param commands - the command table (tests may pass their own)
 */
export async function runCli(argv: string[], io: CliIO = processIO, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topLevelHelp(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`rfm: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    const code = await command.run(rest, io);
    return typeof code === 'number' ? code : 0;
  } catch (caught) {
    // A backend failure (wasm trap, Emscripten abort, native out-of-memory) becomes a typed one-liner.
    const e = isBackendFailure(caught) ? asBackendFailure(caught, activeBackendName(), `rfm ${name}`) : caught;
    if (e instanceof CliUsageError) {
      io.err(`rfm ${e.message}\n`);
      return 2;
    }
    if (e instanceof RfmError || (e instanceof Error && typeof (e as { code?: unknown }).code === 'string')) {
      io.err(`rfm ${name}: ${cliWording(e.message)}\n`);
      return 1;
    }
    io.err(`rfm ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

/** The backend in use, without starting one when none is (`tf.getBackend()` would). */
function activeBackendName(): string {
  return (tf.engine() as unknown as { backendName?: string | null }).backendName ?? 'tensor';
}
