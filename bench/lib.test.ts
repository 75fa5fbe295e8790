import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BenchUsageError, countFlag, countValue, modelSuiteArgs } from './lib.js';

describe('bench arguments', () => {
  it('reads counts and refuses what is not a positive integer', () => {
    expect(countFlag(['--reps', '7'], '--reps')).toBe(7);
    expect(countFlag([], '--reps')).toBeUndefined();
    for (const bad of ['0', '-2', '1.5', 'ten', '']) {
      expect(() => countValue('--reps', bad)).toThrow(BenchUsageError);
    }
    expect(() => countFlag(['--reps', 'x'], '--reps')).toThrow('--reps must be a positive integer, got "x"');
  });

  it('resolves model names, and names the known ones for an unknown one', () => {
    const a = modelSuiteArgs(['--models', 'xception,xception-w0.35-s160', '--reps', '3'], { reps: 5, backends: 'wasm' });
    expect(a.models.map((m) => [m.key, m.inputSize])).toEqual([
      ['xception-w0.25-s128', 128],
      ['xception-w0.35-s160', 160],
    ]);
    expect(a.reps).toBe(3);
    expect(a.backends).toEqual(['wasm']);
    expect(() => modelSuiteArgs(['--models', 'xceptoin'], { reps: 5, backends: 'wasm' })).toThrow(/unknown model "xceptoin"; known: small, xception, xception-s224/);
  });

  it('pnpm bench prints one line and exits with 2 for an unknown model', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync('pnpm', ['-s', 'bench', 'rfm', '--models', 'nope'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      ({ status, stderr } = e as { status: number; stderr: string });
    }
    expect(status).toBe(2);
    expect(stderr.trim()).toMatch(/^pnpm bench rfm: unknown model "nope"; known: .+$/);
    expect(stderr).not.toContain('    at ');
  });
});
