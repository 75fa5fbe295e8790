import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerGraphCompiler, runCompiledPass } from '@rfm/core';
import { countingGraphCompiler } from '@rfm/core/testing';
import { BACKEND_FLAGS, effectiveSuggestion, startBackend } from './backend-flag.js';
import { parseFlags } from './flags.js';
import { BUNDLED, folderDataset, REPO } from './testing/run-fixtures.js';

// In a child process: the pthread workers of a threaded wasm backend would outlive a test worker.
const rfm = (args: string[]) =>
  spawnSync(process.execPath, ['--conditions=@rfm/source', join(REPO, 'scripts', 'rfm.mjs'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 170_000 });

describe('--wasm-threads', () => {
  const root = mkdtempSync(join(tmpdir(), 'rfm-threads-flag-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs a command on wasm with 2 XNNPACK threads and exits', () => {
    folderDataset(root, 2);
    const out = join(root, 'erased');
    const r = rfm(['erase', '--method', 'sfe', '--images', join(root, 'real'), '--out', out, '--backend', 'wasm', '--wasm-threads', '2', '--backbone', 'small', '--size', '64']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: .*wasm.*2 threads/);
    expect(existsSync(out) && readdirSync(out).length).toBeGreaterThan(0);
  });
});

describe('--tf-threads', () => {
  const root = mkdtempSync(join(tmpdir(), 'rfm-tf-threads-flag-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('starts tensorflow with 1 intra-op thread and says so', (ctx) => {
    folderDataset(root, 2);
    const out = join(root, 'erased');
    const r = rfm(['erase', '--method', 'sfe', '--images', join(root, 'real'), '--out', out, '--backend', 'tensorflow', '--tf-threads', '1', '--backbone', 'small', '--size', '64']);
    if (r.status !== 0 && /native addon not built|is not installed/.test(r.stderr)) {
      ctx.skip(`SKIPPED: the tensorflow backend is absent (${r.stderr.trim().split('\n')[0]})`);
      return;
    }
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: tensorflow.*; native TensorFlow addon loaded \(1 intra-op thread\)/);
    expect(existsSync(out) && readdirSync(out).length).toBeGreaterThan(0);
  });
});

describe("a command's suggested tensorflow threads", () => {
  const quick = { threads: 1, reason: 'the choice for a small model' };

  it('applies when neither --tf-threads nor TF_NUM_INTRAOP_THREADS gives a count', () => {
    expect(effectiveSuggestion(undefined, {}, quick)).toBe(quick);
    expect(effectiveSuggestion(undefined, {}, undefined)).toBeUndefined();
  });

  it('gives way to --tf-threads and to TF_NUM_INTRAOP_THREADS', () => {
    expect(effectiveSuggestion(2, {}, quick)).toBeUndefined();
    expect(effectiveSuggestion(undefined, { TF_NUM_INTRAOP_THREADS: '2' }, quick)).toBeUndefined();
  });

  it("trains the quick preset's small model on tensorflow with one thread and says why", (ctx) => {
    const out = mkdtempSync(join(tmpdir(), 'rfm-preset-threads-'));
    try {
      const r = rfm(['train', '--data', BUNDLED, '--out', join(out, 'run'), '--iterations', '2', '--eval-every', '2', '--backend', 'tensorflow']);
      if (r.status !== 0 && /native addon not built|is not installed/.test(r.stderr)) {
        ctx.skip(`SKIPPED: the tensorflow backend is absent (${r.stderr.trim().split('\n')[0]})`);
        return;
      }
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/backend: tensorflow.*; native TensorFlow addon loaded \(1 intra-op thread\), the choice for a small model \(0\.10 G multiply-adds per batch\) \(--tf-threads N to change\)$/m);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("a command's suggested wasm threads", () => {
  const out = mkdtempSync(join(tmpdir(), 'rfm-wasm-suggested-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  // Xception width 0.35 at 128 px, batch 16: 3.0 G multiply-adds per batch, above the 2.5 G crossing.
  const large = ['--backbone', 'xception', '--width', '0.35', '--size', '128', '--iterations', '1', '--eval-every', '1', '--backend', 'wasm'];

  it('trains a large model on wasm with one thread per core and says why', (ctx) => {
    if (availableParallelism() < 2) {
      ctx.skip('SKIPPED: one core, so rfm.js suggests no wasm threads');
      return;
    }
    const r = rfm(['train', '--data', BUNDLED, '--out', join(out, 'suggested'), ...large]);
    expect(r.status, r.stderr).toBe(0);
    const threads = availableParallelism() > 64 ? 64 : availableParallelism();
    expect(r.stderr).toMatch(
      new RegExp(`backend: wasm.*; WebAssembly \\(XNNPACK, ${threads} threads\\) with training kernels, one per core, the choice for a large model \\(3\\.0 G multiply-adds per batch\\) \\(--wasm-threads N to change\\)$`, 'm'),
    );
  });

  it('erases with a large untrained model on wasm with one thread per core, from one image per pass', (ctx) => {
    if (availableParallelism() < 2) {
      ctx.skip('SKIPPED: one core, so rfm.js suggests no wasm threads');
      return;
    }
    const root = folderDataset(join(out, 'images'), 2);
    const r = rfm(['erase', '--method', 'sfe', '--images', join(root, 'real'), '--out', join(out, 'erased'), '--backend', 'wasm', '--backbone', 'xception', '--size', '224', '--batch', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/threads\) with training kernels, one per core, the choice for a large model \(4\.6 G multiply-adds per batch of 1\) \(--wasm-threads N to change\)$/m);
    expect(readdirSync(join(out, 'erased')).length).toBeGreaterThan(0);
  });

  it('gives way to --wasm-threads', () => {
    const r = rfm(['train', '--data', BUNDLED, '--out', join(out, 'flag'), ...large, '--wasm-threads', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^backend: wasm/m);
    expect(r.stderr).not.toMatch(/XNNPACK|the choice for/);
  });
});

describe('thread flags', () => {
  it.each([
    ['--wasm-threads', '0'],
    ['--tf-threads', '65'],
  ])('refuses %s %s (outside 1-64) with exit code 2, naming the flag', (flag, value) => {
    const root = mkdtempSync(join(tmpdir(), 'rfm-threads-refused-'));
    try {
      const r = rfm(['erase', '--method', 'sfe', '--images', root, '--out', join(root, 'x'), flag, value]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(flag);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('a compiled pass that falls back', () => {
  it('prints one note line after the backend line, and only for the last started command', async () => {
    const flags = parseFlags('erase', ['--backend', 'cpu'], BACKEND_FLAGS);
    const first: string[] = [];
    const second: string[] = [];
    await startBackend(flags, { out: () => {}, err: (s) => first.push(s), interactive: false });
    await startBackend(flags, { out: () => {}, err: (s) => second.push(s), interactive: false });
    registerGraphCompiler('cpu', countingGraphCompiler({ compile: true }).compiler);
    try {
      const x = tf.ones([2, 3]);
      tf.dispose([runCompiledPass({}, 'fam|max', ([t]) => tf.mul(t!, 2), [x]), x]);
    } finally {
      registerGraphCompiler('cpu', undefined);
    }
    expect(first.filter((s) => s.startsWith('note:'))).toEqual([]);
    expect(second.map((s) => s.split(':')[0])).toEqual(['backend', 'note']);
    expect(second[1]).toBe(
      'note: the pass "fam|max" on cpu runs eagerly for float32[2,3]: its graph could not be compiled (cannot compile); the results are the same, only slower\n',
    );
  });
});
