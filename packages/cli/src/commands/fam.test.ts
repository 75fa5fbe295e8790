import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, createSmallBackbone, saveBackbone, type LayersBackbone } from '@rfm/core';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readPng } from '../images/png.js';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const source = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-fam-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** real/ (2 images), fake/gan/ and fake/swap/ (2 each), copied from the bundled faces. */
function makeDataset(): string {
  const root = join(dir, 'data');
  const copy = (from: string, to: string, skip: number) => {
    mkdirSync(join(root, to), { recursive: true });
    readdirSync(join(source, from)).filter((f) => f.endsWith('.jpg')).sort().slice(skip, skip + 2).forEach((f) => copyFileSync(join(source, from, f), join(root, to, f)));
  };
  copy('real', 'real', 0);
  copy('fake', 'fake/gan', 0);
  copy('fake', 'fake/swap', 2);
  return root;
}

describe('rfm fam', () => {
  it('writes an average map per technique and their similarity matrix', async () => {
    const run = join(dir, 'run');
    const backbone = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(1));
    await saveBackbone(backbone as LayersBackbone, join(run, 'model'));
    backbone.dispose();
    const out = join(dir, 'out');
    const io = captureIO();
    const code = await runCli(['fam', '--model', run, '--data', makeDataset(), '--out', out, '--backend', 'cpu', '--flip', '--batch', '1'], io);
    expect(code, io.stderr()).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'similarity.json'), 'utf8')) as { techniques: string[]; matrix: number[][]; images: Record<string, number> };
    expect(result.techniques).toEqual(['real', 'gan', 'swap']);
    expect(result.images).toEqual({ real: 2, gan: 2, swap: 2 });
    result.matrix.forEach((row, i) =>
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(result.matrix[j]![i]!, 12);
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-9);
        if (i === j) expect(v).toBeCloseTo(1, 6);
      }),
    );
    for (const t of result.techniques) {
      for (const kind of ['fam', 'fam-plain', 'face']) {
        const png = await readPng(join(out, `${t}.${kind}.png`));
        expect([png.width, png.height]).toEqual([32, 32]);
      }
    }
    const matrix = await readPng(join(out, 'similarity.png'));
    // a labelled chart: wider than tall enough to hold three 72 px cells per side
    expect(matrix.width).toBeGreaterThan(3 * 72);
    expect(matrix.height).toBeGreaterThan(3 * 72);
    expect(io.stdout()).toMatch(/cosine similarity/);
  });

  it('requires --model', async () => {
    const io = captureIO();
    expect(await runCli(['fam', '--data', dir, '--out', dir], io)).toBe(2);
  });
});
