import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const FFHQ = fileURLToPath(new URL('../../../../data/ffhq-stylegan2/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-synth-cli-'));
const data = join(dir, 'data');
const previousBackend = tf.getBackend();
beforeAll(() => {
  // A small copy of the bundled set: 8 reals, 3 StyleGAN2 fakes.
  for (const [cls, n] of [['real', 8], ['fake', 3]] as const) {
    mkdirSync(join(data, cls), { recursive: true });
    for (const f of readdirSync(join(FFHQ, cls)).sort().slice(0, n)) copyFileSync(join(FFHQ, cls, f), join(data, cls, f));
  }
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tf.setBackend(previousBackend);
});

const rows = (manifest: string) => readFileSync(manifest, 'utf8').trim().split('\n').slice(1);

describe('rfm synth / less-forgery / train --fakes sbi', () => {
  it('writes SBI and two-person blends with masks and a manifest, refusing to overwrite', async () => {
    for (const method of ['sbi', 'blend']) {
      const out = join(dir, method);
      const io = captureIO();
      expect(await runCli(['synth', '--data', data, '--out', out, '--method', method, '--count', '3', '--seed', '2', '--size', '64', '--backend', 'wasm'], io), io.stderr()).toBe(0);
      const manifest = rows(join(out, 'manifest.csv'));
      expect(manifest.filter((r) => r.includes(`,fake,${method},`))).toHaveLength(3);
      expect(readdirSync(join(out, 'mask', method))).toHaveLength(3);
      const synth = JSON.parse(readFileSync(join(out, 'synth.json'), 'utf8')) as { fakes: { params: { method: string } }[] };
      expect(synth.fakes.map((f) => f.params.method)).toEqual([method, method, method]);
    }
    const io = captureIO();
    expect(await runCli(['synth', '--data', data, '--out', join(dir, 'sbi'), '--method', 'sbi', '--count', '1', '--backend', 'wasm'], io)).not.toBe(0);
    expect(io.stderr()).toMatch(/does not exist yet or is empty/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names a missing or bad flag in one line', async () => {
    for (const [args, message] of [
      [['synth', '--data', data, '--out', join(dir, 'x'), '--count', '2'], /--method is required/],
      [['synth', '--data', data, '--out', join(dir, 'x'), '--method', 'gan', '--count', '2'], /--method/],
      [['synth', '--data', data, '--out', join(dir, 'x'), '--method', 'sbi'], /--count is required/],
      [['train', '--data', data, '--out', join(dir, 'x'), '--fakes', 'gan'], /--fakes/],
      [['train', '--data', data, '--out', join(dir, 'x'), '--sbi-log-every', '2'], /--sbi-log-every needs --fakes sbi/],
    ] as const) {
      const io = captureIO();
      expect(await runCli([...args], io)).toBe(2);
      expect(io.stderr()).toMatch(message);
    }
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('builds the four less-forgery sets with the region as technique', async () => {
    const out = join(dir, 'less');
    const io = captureIO();
    expect(await runCli(['less-forgery', '--data', data, '--out', out, '--size', '64', '--backend', 'wasm'], io), io.stderr()).toBe(0);
    const techniques = rows(join(out, 'manifest.csv')).map((r) => r.split(',')[2]);
    for (const region of ['eyes', 'nose', 'mouth', 'skin']) expect(techniques.filter((t) => t === `less-${region}`).length, region).toBeGreaterThanOrEqual(2);
    // The unmodified fakes come along (own technique), the reference of each region's drop.
    const full = techniques.filter((t) => t === 'fake').length;
    expect(full).toBeGreaterThanOrEqual(2);
    expect(techniques.filter((t) => t === 'less-eyes')).toHaveLength(full);
    expect(existsSync(join(out, 'less-forgery.json'))).toBe(true);
  });

  it('trains from real faces alone with --fakes sbi, recording the synthesis of every batch when asked', async () => {
    const run = join(dir, 'run');
    const io = captureIO();
    const args = ['train', '--data', data, '--out', run, '--fakes', 'sbi', '--size', '32', '--batch', '4', '--iterations', '2', '--eval-every', '2', '--val-fraction', '0.25', '--test-fraction', '0.25', '--sbi-log-every', '1', '--backend', 'wasm'];
    expect(await runCli(args, io), io.stderr()).toBe(0);
    const log = readFileSync(join(run, 'run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; perImage?: { label: number; synthesis?: { method: string } }[] });
    const synthesis = log.filter((r) => r.type === 'synthesis');
    expect(synthesis).toHaveLength(2);
    expect(synthesis[0]!.perImage!.filter((p) => p.label === 1).every((p) => p.synthesis?.method === 'sbi')).toBe(true);
    expect((JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { fakes?: string }).fakes).toBe('sbi');
    // The less-forgery and synthesised sets evaluate per technique (no real and fake share a group).
    for (const [set, techniques] of [['less', ['less-eyes', 'less-nose', 'less-mouth', 'less-skin']], ['blend', ['blend']]] as const) {
      const evalIo = captureIO();
      expect(await runCli(['eval', '--model', run, '--data', join(dir, set, 'manifest.csv'), '--json', '--backend', 'wasm'], evalIo), evalIo.stderr()).toBe(0);
      const text = evalIo.stdout();
      for (const t of techniques) expect(text).toContain(`"${t}"`);
      // The report's per-region table: AUC per region (or blend) and, with the full fakes, its drop.
      const report = readFileSync(join(run, 'eval-report.html'), 'utf8');
      expect(report).toContain('data-table="forgery"');
      for (const t of techniques) expect(report).toMatch(new RegExp(`data-metric="${t}-auc" data-value="`));
      if (set === 'less') {
        expect(report).toMatch(/data-metric="less-skin-drop" data-value="-?[0-9.e-]+"/);
        expect(report).toContain('all blended fakes'); // the one-stage vs blended attention columns
      }
    }
  });
});
