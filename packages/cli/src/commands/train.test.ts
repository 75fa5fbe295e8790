import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const BUNDLED = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rfm train / eval end to end on the bundled data', () => {
  const out = join(dir, 'run');

  it('trains the small backbone with SFE, writes the run folder and prints test metrics', async () => {
    const io = captureIO();
    const args = ['train', '--data', BUNDLED, '--out', out, '--size', '32', '--iterations', '4', '--eval-every', '2', '--augment', 'sfe', '--backend', 'cpu'];
    expect(await runCli(args, io), io.stderr()).toBe(0);
    for (const f of ['model/model.json', 'model/weights.bin', 'checkpoint/state.json', 'run.jsonl', 'config.json', 'metrics.json', 'test-scores.csv', 'roc.svg']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(io.stdout()).toMatch(/AUC/);
    const log = readFileSync(join(out, 'run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const config = log.find((r) => r.type === 'config');
    expect(config.dataset.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(config.seed).toBe(5);
    expect(config.versions['tfjs-core']).toBe('4.22.0');
    expect(log.filter((r) => r.type === 'eval').map((r) => r.step)).toEqual([2, 4]);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.test.overall.nReal + metrics.test.overall.nFake).toBeGreaterThan(0);
    expect(metrics.iterations).toBe(4);
  });

  it('evaluates the run on its test split with the same numbers', async () => {
    const io = captureIO();
    expect(await runCli(['eval', '--model', out, '--data', BUNDLED, '--json', '--backend', 'cpu'], io), io.stderr()).toBe(0);
    const report = JSON.parse(io.stdout());
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(report.split).toBe('test');
    expect(report.overall.auc).toBeCloseTo(metrics.test.overall.auc, 10);
  });

  it('resumes a finished run to more iterations', async () => {
    const io = captureIO();
    expect(await runCli(['train', '--out', out, '--resume', '--iterations', '6', '--backend', 'cpu'], io), io.stderr()).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.iterations).toBe(6);
  });

  it('refuses bad arguments with exit 2 and one line', async () => {
    const cases = [
      ['train', '--data', join(dir, 'missing'), '--out', join(dir, 'x')],
      ['train', '--data', BUNDLED, '--out', join(dir, 'y'), '--batch', '7'],
      ['train', '--data', BUNDLED, '--out', join(dir, 'y'), '--backbone', 'resnet'],
      ['train', '--data', BUNDLED, '--out', join(dir, 'y'), '--augment', 'cutmix'],
      ['train', '--data', BUNDLED, '--out', out],
      ['train', '--data', BUNDLED],
    ];
    for (const args of cases) {
      const io = captureIO();
      expect(await runCli(args, io), args.join(' ')).toBe(2);
      expect(io.stderr().trim().split('\n'), io.stderr()).toHaveLength(1);
    }
  });

  it('prints help for every command', async () => {
    const io = captureIO();
    expect(await runCli(['--help'], io)).toBe(0);
    const names = [...io.stdout().matchAll(/^  (\w+)\s/gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['train', 'eval', 'metrics', 'info', 'erase', 'fam', 'compare']));
    for (const name of names) {
      const h = captureIO();
      expect(await runCli([name, '--help'], h)).toBe(0);
      expect(h.stdout()).toMatch(/Usage: rfm/);
    }
  });
});
