import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const BUNDLED = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-train-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rfm train on wasm with a step that cannot fit', () => {
  it('refuses before training with one line saying what to use, writing nothing', async () => {
    const io = captureIO();
    const out = join(dir, 'run');
    const args = ['train', '--data', BUNDLED, '--out', out, '--preset', 'paper', '--batch', '32', '--micro-batch', '32', '--backend', 'wasm'];
    expect(await runCli(args, io)).toBe(1);
    const last = io.stderr().trim().split('\n').at(-1)!;
    expect(last).toMatch(/^rfm train: A micro-batch of 32 images of xception at 224 px needs about \d+\.\d GB, more than the \d+\.\d GB the wasm backend can use; use a micro-batch of at most \d+/);
    expect(io.stderr()).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
