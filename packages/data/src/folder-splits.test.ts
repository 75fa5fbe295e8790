import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, loadFolderDataset, splitDataset } from './index.js';

const bundled = fileURLToPath(new URL('../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-folder-splits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folder(name: string, splits?: string): string {
  const root = join(dir, name);
  for (const cls of ['real', 'fake']) {
    mkdirSync(join(root, cls), { recursive: true });
    for (const f of readdirSync(join(bundled, cls)).sort().slice(0, 3)) copyFileSync(join(bundled, cls, f), join(root, cls, f));
  }
  if (splits !== undefined) writeFileSync(join(root, 'splits.csv'), splits);
  return root;
}

describe('splits.csv of a folder dataset', () => {
  it('fixes the split of the images it lists; the others are split as usual, unknown ids ignored', async () => {
    const root = folder('fixed', 'id,split\nreal/ffhq_01000.jpg,test\nfake/tpdne_00d89be4.jpg,val\nreal/missing.jpg,train\n');
    const ds = await loadFolderDataset(root);
    const byId = new Map(ds.items.map((it) => [it.id, it]));
    expect(byId.get('real/ffhq_01000.jpg')?.split).toBe('test');
    expect(byId.get('fake/tpdne_00d89be4.jpg')?.split).toBe('validation');
    expect(ds.items.filter((it) => it.split !== undefined)).toHaveLength(2);
    const s = splitDataset(ds, { seed: 3, fractions: { train: 1, validation: 0, test: 0 } });
    expect(s.test.map((it) => it.id)).toEqual(['real/ffhq_01000.jpg']);
    expect(s.validation.map((it) => it.id)).toEqual(['fake/tpdne_00d89be4.jpg']);
  });

  it('leaves a folder without splits.csv unchanged', async () => {
    const ds = await loadFolderDataset(folder('plain'));
    expect(ds.items.every((it) => it.split === undefined)).toBe(true);
  });

  it('rejects a malformed file naming the line', async () => {
    const bad = folder('bad', 'id,split\nreal/ffhq_01000.jpg,holdout\n');
    await expect(loadFolderDataset(bad)).rejects.toThrow(DatasetError);
    await expect(loadFolderDataset(bad)).rejects.toThrow(/line 2/);
    await expect(loadFolderDataset(folder('header', 'path,label\n'))).rejects.toThrow(/id,split/);
  });
});
