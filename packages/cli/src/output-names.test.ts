import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from './capture-io.js';
import { runCli } from './main.js';
import { uniqueOutputNames } from './output-names.js';
import { copyFaces, untrainedRun } from './testing/run-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('uniqueOutputNames', () => {
  it('keeps preferred names, falls back on collisions (also by case), refuses what stays ambiguous', () => {
    const stem = (n: string) => n.replace(/\.[^.]*$/, '');
    expect([...uniqueOutputNames(['a.jpg', 'a.png', 'b.jpg', 'B.png'], stem, (n) => n, 'images', 'erase')]).toEqual([
      ['a.jpg', 'a.jpg'],
      ['a.png', 'a.png'],
      ['b.jpg', 'b.jpg'],
      ['B.png', 'B.png'],
    ]);
    expect(() => uniqueOutputNames(['a.jpg', 'a.png', 'a.jpg.png'], stem, (n) => n, 'images', 'erase')).toThrow(
      /erase: the images "a.jpg" and "a.jpg.png" would write files of the same name/,
    );
  });
});

describe('commands never let two inputs write the same output file', () => {
  it('rfm erase on a.jpg and a.png writes both images\' outputs', async () => {
    const images = join(dir, 'images');
    const [first] = copyFaces(images, 'fake', '.', 1, () => 'a.jpg');
    copyFileSync(first!, join(images, 'a.png'));
    copyFaces(images, 'fake', '.', 1, () => 'b.jpg', 1);
    const out = join(dir, 'erased');
    const io = captureIO();
    expect(await runCli(['erase', '--method', 're', '--images', images, '--out', out, '--size', '32', '--backend', 'cpu'], io), io.stderr()).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(expect.arrayContaining(['a.jpg.erased.png', 'a.png.erased.png', 'b.erased.png', 'a.jpg.mask.png', 'a.png.mask.png']));
    expect(JSON.parse(readFileSync(join(out, 'erase.json'), 'utf8')).images.map((r: { image: string }) => r.image)).toEqual(['a.jpg', 'a.png', 'b.jpg']);
  }, 60_000);

  it('rfm fam with techniques "a b" and "a_b" writes separate maps', async () => {
    const data = join(dir, 'fam-data');
    copyFaces(data, 'real', 'real', 2);
    copyFaces(data, 'fake', 'fake/a b', 2);
    copyFaces(data, 'fake', 'fake/a_b', 2, undefined, 2);
    const run = await untrainedRun(join(dir, 'fam-run'));
    const out = join(dir, 'fam-out');
    const io = captureIO();
    expect(await runCli(['fam', '--model', run, '--data', data, '--out', out, '--backend', 'cpu'], io), io.stderr()).toBe(0);
    const maps = readdirSync(out).filter((f) => f.endsWith('.fam.png')).sort();
    expect(maps).toHaveLength(3);
    expect(maps).toEqual(expect.arrayContaining(['real.fam.png', expect.stringMatching(/^a_b-[0-9a-f]{8}\.fam\.png$/)]));
    expect(JSON.parse(readFileSync(join(out, 'similarity.json'), 'utf8')).techniques).toEqual(['real', 'a b', 'a_b']);
  }, 60_000);

  it('a fake/real/ technique is refused instead of being merged with the real class', async () => {
    const data = join(dir, 'fake-real');
    copyFaces(data, 'real', 'real', 1);
    copyFaces(data, 'fake', 'fake/real', 1);
    const io = captureIO();
    expect(await runCli(['fam', '--model', join(dir, 'fam-run'), '--data', data, '--out', join(dir, 'fr-out'), '--backend', 'cpu'], io)).toBe(1);
    expect(io.stderr()).toMatch(/fake\/real\/ is named like the real class; .* Rename the folder\./);
  });
});
