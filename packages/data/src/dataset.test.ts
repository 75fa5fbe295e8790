import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RfmError } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countItems, datasetHash, DatasetError, loadDataset, loadFolderDataset, loadManifestDataset } from './index.js';
import { tempDir, writeFile, writeFolderDataset, writeTinyPng } from './test-fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function datasetError(p: Promise<unknown>): Promise<DatasetError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatasetError);
  expect(e).toBeInstanceOf(RfmError);
  expect((e as DatasetError).code).toBe('RFM_BAD_DATASET');
  return e as DatasetError;
}

describe('loadFolderDataset', () => {
  const root = join(tmp.dir, 'folder');
  beforeAll(async () => {
    await writeFolderDataset(root, 3, { '': 1, faceswap: 2, stylegan: 1 }, 4);
    await writeTinyPng(join(root, 'real', 'sub', 'r9.PNG'), 99, 4);
    await writeTinyPng(join(root, 'fake', 'stylegan', 'vid1', 'f9.webp.png'), 98, 4);
    writeFile(join(root, 'real', 'notes.txt'), 'not an image');
    writeFile(join(root, 'real', '.hidden.png'), 'hidden');
    writeFile(join(root, 'fake', '.cache', 'x.png'), 'hidden dir');
  });

  it('labels real/ 0 and fake/ 1, names techniques by sub-folder, sorts by id', async () => {
    const ds = await loadFolderDataset(root);
    expect(ds.kind).toBe('folder');
    expect(ds.items.map((it) => [it.id, it.label, it.technique])).toEqual([
      ['fake/f00.png', 1, 'fake'],
      ['fake/faceswap/f00.png', 1, 'faceswap'],
      ['fake/faceswap/f01.png', 1, 'faceswap'],
      ['fake/stylegan/f00.png', 1, 'stylegan'],
      ['fake/stylegan/vid1/f9.webp.png', 1, 'stylegan'],
      ['real/r00.png', 0, 'real'],
      ['real/r01.png', 0, 'real'],
      ['real/r02.png', 0, 'real'],
      ['real/sub/r9.PNG', 0, 'real'],
    ]);
    expect(ds.items[0]!.path).toBe(join(root, 'fake', 'f00.png'));
    expect(ds.items.every((it) => it.group === undefined)).toBe(true);
    expect(countItems(ds.items)).toEqual({ real: 4, fake: 5, techniques: { real: 4, fake: 1, faceswap: 2, stylegan: 2 } });
  });

  it('derives groups from a pattern over the id', async () => {
    const ds = await loadFolderDataset(root, { groupPattern: '^fake/[^/]+/([^/]+)/' });
    expect(ds.items.filter((it) => it.group !== undefined).map((it) => [it.id, it.group])).toEqual([
      ['fake/stylegan/vid1/f9.webp.png', 'vid1'],
    ]);
  });

  it('requires real/ and fake/', async () => {
    const half = join(tmp.dir, 'half');
    await writeTinyPng(join(half, 'real', 'a.png'), 1, 4);
    const e = await datasetError(loadFolderDataset(half));
    expect(e.message).toContain('no "fake/" folder');
  });
});

describe('loadManifestDataset', () => {
  const root = join(tmp.dir, 'manifest');
  beforeAll(async () => {
    await writeTinyPng(join(root, 'imgs', 'a.png'), 1, 4);
    await writeTinyPng(join(root, 'imgs', 'b.png'), 2, 4);
    await writeTinyPng(join(root, 'imgs', 'c d.png'), 3, 4);
    await writeTinyPng(join(root, 'imgs', 'e.png'), 4, 4);
    await writeTinyPng(join(tmp.dir, 'outside.png'), 5, 4);
  });

  const manifest = (name: string, text: string): string => {
    const p = join(root, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads columns by header in any order, labels real/fake/0/1, splits, groups, techniques', async () => {
    const p = manifest(
      'ok.csv',
      [
        'Label,path,split,group,technique,comment',
        'fake,imgs/b.png,val,vid1,deepfakes,x',
        '0,imgs/a.png,train,vid1,ignored-for-reals,',
        '# a comment',
        '',
        'FAKE,"imgs/c d.png",,,,',
        '1,imgs\\e.png,test,,faceswap,',
      ].join('\r\n'),
    );
    const ds = await loadManifestDataset(p);
    expect(ds.kind).toBe('manifest');
    expect(ds.root).toBe(root);
    expect(ds.items).toEqual([
      { id: 'imgs/a.png', path: join(root, 'imgs', 'a.png'), label: 0, technique: 'real', split: 'train', group: 'vid1' },
      { id: 'imgs/b.png', path: join(root, 'imgs', 'b.png'), label: 1, technique: 'deepfakes', split: 'validation', group: 'vid1' },
      { id: 'imgs/c d.png', path: join(root, 'imgs', 'c d.png'), label: 1, technique: 'fake' },
      { id: 'imgs/e.png', path: join(root, 'imgs', 'e.png'), label: 1, technique: 'faceswap', split: 'test' },
    ]);
  });

  it('refuses paths that leave the manifest folder, naming the line', async () => {
    for (const bad of ['../outside.png', 'imgs/../../outside.png', join(tmp.dir, 'outside.png')]) {
      const e = await datasetError(loadManifestDataset(manifest('escape.csv', `path,label\nimgs/a.png,real\n${bad},fake\n`)));
      expect(e.line).toBe(3);
      expect(e.message).toMatch(/leaves the manifest's folder|is absolute/);
    }
  });

  it('refuses object-store URLs in a manifest, naming the fix', async () => {
    const e = await datasetError(loadManifestDataset(manifest('url.csv', 'path,label\nimgs/a.png,real\ns3://bucket/b.png,fake\n')));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/path "s3:\/\/bucket\/b\.png" is a URL; rfm reads local files only: mount the store/);
  });

  it('names the line of a bad label, split, missing file, duplicate or non-image path', async () => {
    const cases: Array<[string, RegExp]> = [
      ['imgs/a.png,maybe,', /label "maybe"/],
      ['imgs/a.png,real,dev', /split "dev"/],
      ['imgs/zz.png,real,', /does not exist/],
      ['imgs/b.png,fake,\nimgs/b.png,fake,', /listed twice \(first on line 2\)/],
      ['notes.txt,real,', /not an image file/],
    ];
    for (const [rows, re] of cases) {
      const e = await datasetError(loadManifestDataset(manifest('bad.csv', `path,label,split\n${rows}\n`)));
      expect(e.message).toMatch(re);
      expect(e.line).toBe(rows.includes('\n') ? 3 : 2);
    }
  });

  it('needs a header with path and label, and at least one row', async () => {
    expect((await datasetError(loadManifestDataset(manifest('h.csv', 'file,label\nimgs/a.png,0\n')))).message).toContain('"path"');
    expect((await datasetError(loadManifestDataset(manifest('e.csv', '\n')))).message).toContain('empty');
    expect((await datasetError(loadManifestDataset(manifest('n.csv', 'path,label\n')))).message).toContain('no rows');
    await datasetError(loadManifestDataset(join(root, 'absent.csv')));
  });
});

describe('loadDataset and datasetHash', () => {
  const root = join(tmp.dir, 'hashed');
  beforeAll(async () => {
    await writeFolderDataset(root, 2, { '': 2 }, 4);
    writeFileSync(join(root, 'list.csv'), 'path,label\nreal/r00.png,0\nreal/r01.png,0\nfake/f00.png,1\nfake/f01.png,1\n');
  });

  it('loads a folder or a manifest depending on the path', async () => {
    expect((await loadDataset(root)).kind).toBe('folder');
    expect((await loadDataset(join(root, 'list.csv'))).kind).toBe('manifest');
    await datasetError(loadDataset(join(root, 'nothing-here')));
    await datasetError(loadDataset(join(root, 'real', 'r00.png')));
  });

  it('hashes ids, labels and bytes: equal for the same content, different after an edit', async () => {
    const folder = await loadDataset(root);
    const h = await datasetHash(folder);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(await datasetHash([...folder.items].reverse())).toBe(h);
    expect(await datasetHash(await loadDataset(join(root, 'list.csv')))).toBe(h);
    const relabelled = folder.items.map((it, i) => (i === 0 ? { ...it, label: 0 as const } : it));
    expect(await datasetHash(relabelled)).not.toBe(h);
    await writeTinyPng(join(root, 'fake', 'f00.png'), 77, 4);
    expect(await datasetHash(folder)).not.toBe(h);
  });
});

describe('names that would merge with the real class, and manifests with quoted fields', () => {
  it('refuses a fake technique named like the real class (folder and manifest)', async () => {
    const root = join(tmp.dir, 'fake-real');
    await writeFolderDataset(root, 1, { real: 1 });
    const e = await datasetError(loadFolderDataset(root));
    expect(e.message).toMatch(/fake\/real\/ is named like the real class/);
    const m = join(tmp.dir, 'fake-real.csv');
    await writeTinyPng(join(tmp.dir, 'x.png'), 1);
    writeFileSync(m, 'path,label,technique\nx.png,fake,Real\n');
    expect((await datasetError(loadManifestDataset(m))).message).toMatch(/line 2: a fake image has technique "Real", the name of the real class/);
  });

  it('reads manifest paths with commas, quotes and line breaks (RFC 4180, the one CSV reader)', async () => {
    const name = 'odd, "name"\nx.png';
    await writeTinyPng(join(tmp.dir, 'odd', name), 2);
    await writeTinyPng(join(tmp.dir, 'odd', 'r.png'), 3);
    const m = join(tmp.dir, 'odd', 'faces.csv');
    writeFileSync(m, `path,label\n"${name.replace(/"/g, '""')}",fake\nr.png,real\n`);
    const ds = await loadManifestDataset(m);
    expect(ds.items.map((it) => it.id).sort()).toEqual([name, 'r.png'].sort());
  });
});

describe('requireBothClasses', () => {
  it('names the split, its counts and the missing class', async () => {
    const { requireBothClasses } = await import('./index.js');
    const real = { id: 'r', path: '/r', label: 0 as const, technique: 'real' };
    expect(() => requireBothClasses('validation', [real], '/data', 1)).toThrow(
      /the validation split has 1 real and 0 fake image\(s\) after skipping 1 unreadable file\(s\); it lacks a fake image/,
    );
    expect(() => requireBothClasses('test', [], '/data')).toThrow(/the test split has 0 real and 0 fake image\(s\); it lacks any image/);
    expect(() => requireBothClasses('train', [real, { ...real, id: 'f', label: 1, technique: 'fake' }], '/data')).not.toThrow();
  });
});
