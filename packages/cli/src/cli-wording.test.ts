import { CheckpointError } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { captureIO } from './capture-io.js';
import { cliWording } from './cli-wording.js';
import type { CliCommand } from './command.js';
import { runCli } from './main.js';

describe('CLI wording of library messages', () => {
  it('names the flag or command where the library names its option or function', () => {
    expect(cliWording('No checkpoint at x; start the run without `resume: true` first.')).toBe('No checkpoint at x; start the run without --resume first.');
    expect(cliWording('native addon not built (run `buildNative() of @rfm/native-build`)')).toBe('native addon not built (run `pnpm rfm backend build-native`)');
    expect(cliWording('nothing to translate')).toBe('nothing to translate');
  });

  it('is applied to the errors a command throws', async () => {
    const failing: CliCommand = {
      name: 'boom',
      summary: 'fails',
      help: 'boom',
      flags: [],
      run: () => Promise.reject(new CheckpointError('No checkpoint at x; start the run without `resume: true` first.')),
    };
    const io = captureIO();
    expect(await runCli(['boom'], io, [failing])).toBe(1);
    expect(io.stderr()).toBe('rfm boom: No checkpoint at x; start the run without --resume first.\n');
  });
});
