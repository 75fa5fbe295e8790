import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readPng } from '../images/png.js';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const fakeDir = fileURLToPath(new URL('../../../../data/ffhq-stylegan2/fake', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-erase-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const images = join(dir, 'in');
mkdirSync(images);
const names = readdirSync(fakeDir).filter((f) => f.endsWith('.jpg')).sort().slice(0, 2);
names.forEach((n) => copyFileSync(join(fakeDir, n), join(images, n)));

interface Block { top: number; bottom: number; left: number; right: number }

describe('rfm erase', () => {
  it('writes the erased image, the mask and the FAM of each image at the input size', async () => {
    const out = join(dir, 'out');
    const io = captureIO();
    const code = await runCli(['erase', '--method', 'sfe', '--images', images, '--out', out, '--size', '32', '--backend', 'cpu', '--seed', '3'], io);
    expect(code, io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/UNTRAINED small/);
    const record = JSON.parse(readFileSync(join(out, 'erase.json'), 'utf8')) as { images: { image: string; params: { blocks: Block[] } }[] };
    expect(record.images.map((r) => r.image)).toEqual(names);
    for (const [i, name] of names.entries()) {
      const stem = name.replace(/\.jpg$/, '');
      const [erased, mask, fam] = await Promise.all(['erased', 'mask', 'fam'].map((k) => readPng(join(out, `${stem}.${k}.png`))));
      for (const png of [erased!, mask!, fam!]) expect([png.width, png.height]).toEqual([32, 32]);
      const blocks = record.images[i]!.params.blocks;
      expect(blocks).toHaveLength(3);
      let wrong = 0;
      for (let k = 0; k < 32 * 32; k++) {
        const [row, col] = [Math.floor(k / 32), k % 32];
        const covered = blocks.some((b) => row >= b.top && row < b.bottom && col >= b.left && col < b.right);
        if (mask!.data[4 * k] !== (covered ? 0 : 255)) wrong++;
      }
      expect(wrong).toBe(0);
    }
  });

  it('rejects bad arguments with exit code 2', async () => {
    const cases = [
      ['erase', '--images', images, '--out', join(dir, 'x')],
      ['erase', '--method', 'nope', '--images', images, '--out', join(dir, 'x')],
      ['erase', '--method', 'sfe', '--images', join(dir, 'missing'), '--out', join(dir, 'x')],
      ['erase', '--method', 'sfe', '--model', dir, '--backbone', 'small', '--images', images, '--out', join(dir, 'x')],
      ['erase', '--method', 'sfe', '--blocks', '0', '--images', images, '--out', join(dir, 'x')],
    ];
    for (const args of cases) {
      const io = captureIO();
      expect(await runCli(args, io), args.join(' ')).toBe(2);
      expect(io.stderr()).toMatch(/erase/);
    }
  });
});
