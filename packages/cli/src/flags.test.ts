import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from './capture-io.js';
import { CliUsageError } from './command.js';
import { COMMANDS } from './commands/index.js';
import { flagHelp, parseFlags, type FlagSpec } from './flags.js';
import { runCli } from './main.js';

const TABLE: FlagSpec[] = [
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'output' },
  { name: 'iterations', kind: 'int', value: 'N', min: 1, help: 'iterations' },
  { name: 'lr', kind: 'number', value: 'X', min: 0, max: 1, help: 'rate' },
  { name: 'mode', kind: 'choice', value: 'M', choices: ['a', 'b'], help: 'mode', default: 'a' },
  { name: 'tags', kind: 'list', value: 'T', choices: ['x', 'y', 'z'], help: 'tags' },
  { name: 'roc', kind: 'string', value: 'FILE', extensions: ['.svg', '.png'], help: 'chart' },
  { name: 'json', kind: 'boolean', help: 'json\nsecond line' },
];
const parse = (...args: string[]) => parseFlags('demo', args, TABLE);
const usage = (...args: string[]) => {
  try {
    parse(...args);
  } catch (e) {
    expect(e).toBeInstanceOf(CliUsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
};

describe('flag table', () => {
  it('parses and converts every kind of value', () => {
    const f = parse('--out', 'o', '--iterations', '12', '--lr', '2e-4', '--tags', 'x,y', '--tags', 'z', '--roc', 'r.PNG', '--json');
    expect([f.required('out'), f.number('iterations'), f.number('lr'), f.string('mode'), f.list('tags'), f.string('roc'), f.bool('json')]).toEqual([
      'o', 12, 2e-4, 'a', ['x', 'y', 'z'], 'r.PNG', true,
    ]);
    expect(f.has('mode')).toBe(false);
    expect(f.has('out')).toBe(true);
  });

  it('accepts only plain decimal integers and numbers, naming the flag, the value and the range', () => {
    expect(usage('--out', 'o', '--iterations', '-5')).toBe('demo: --iterations must be a plain decimal integer in [1, ∞], got "-5"');
    for (const bad of ['0x4', '1e3', '4.0', ' 4', '4 ', '+4', '0b1', 'four']) {
      expect(usage('--out', 'o', `--iterations=${bad}`)).toContain(`--iterations must be a plain decimal integer in [1, ∞], got "${bad}"`);
    }
    for (const bad of ['0x1', 'Infinity', 'NaN', '', '1e', '.', '2']) {
      expect(usage('--out', 'o', `--lr=${bad}`)).toContain('--lr must be a plain decimal number in [0, 1]');
    }
    expect(parse('--out', 'o', '--lr', '.5').number('lr')).toBe(0.5);
  });

  it('refuses a value outside the choices or with another file extension, listing what is accepted', () => {
    expect(usage('--out', 'o', '--mode', 'c')).toBe('demo: --mode must be one of a, b, got "c"');
    expect(usage('--out', 'o', '--tags', 'x,w')).toBe('demo: --tags must be one of x, y, z, got "w"');
    expect(usage('--out', 'o', '--roc', 'x.jpg')).toBe('demo: --roc must be a file name ending in .svg or .png, got "x.jpg"');
  });

  it('refuses a missing required flag and an unknown flag', () => {
    expect(usage()).toBe('demo: --out is required (see rfm demo --help)');
    expect(usage('--out', 'o', '--nope')).toMatch(/^demo: Unknown option '--nope'/);
  });

  it('generates aligned help lines with continuation lines and defaults', () => {
    const help = flagHelp(TABLE);
    const lines = help.split('\n');
    const column = lines[0]!.indexOf('output');
    expect(column).toBe('  --iterations N'.length + 3);
    expect(lines).toContain(`${'  --mode M'.padEnd(column)}mode (default a)`);
    expect(help.endsWith(`${'  --json'.padEnd(column)}json\n${' '.repeat(column)}second line`)).toBe(true);
    expect(lines.every((l) => l.startsWith('  --') ? l.indexOf(' ', 4) < column : l.trim().length === 0 || l.startsWith(' '.repeat(column)))).toBe(true);
  });
});

describe('every command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfm-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows every flag of its table in its help text', () => {
    for (const command of COMMANDS) {
      for (const spec of command.flags) expect(command.help, `rfm ${command.name} --help`).toContain(`--${spec.name}`);
    }
  });

  it('refuses --iterations -5 and --iterations 0x4 as invalid values (exit 2), before doing anything', async () => {
    for (const value of ['-5', '0x4']) {
      const io = captureIO();
      expect(await runCli(['train', '--data', dir, '--out', join(dir, 'run'), '--iterations', value], io)).toBe(2);
      expect(io.stderr()).toBe(`rfm train: --iterations must be a plain decimal integer in [1, ∞], got "${value}"\n`);
    }
  });

  it('refuses --roc x.jpg naming the allowed extensions (metrics and eval)', async () => {
    const scores = join(dir, 'scores.csv');
    writeFileSync(scores, 'label,score\n0,0.1\n1,0.9\n');
    for (const args of [
      ['metrics', '--scores', scores, '--roc', join(dir, 'x.jpg')],
      ['eval', '--model', dir, '--data', dir, '--roc', join(dir, 'x.jpg')],
    ]) {
      const io = captureIO();
      expect(await runCli(args, io), args.join(' ')).toBe(2);
      expect(io.stderr()).toContain('--roc must be a file name ending in .svg or .png');
    }
  });
});
