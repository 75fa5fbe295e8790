import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, loadDataset, loadDeepfakeBenchDataset, splitDataset } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'rfm-dfb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function frames(dir: string, n: number): string[] {
  mkdirSync(join(root, dir), { recursive: true });
  return Array.from({ length: n }, (_, i) => {
    writeFileSync(join(root, dir, `${i}.png`), 'x');
    return `${dir}/${i}.png`;
  });
}

// The shape DeepfakeBench's preprocessing writes: FF++ nests a compression level, Celeb-DF does not.
const ff = {
  'FaceForensics++': {
    'FF-real': {
      train: { c23: { '000': { label: 'FF-real', frames: frames('ff/real/000', 3) } }, c40: { '000': { label: 'FF-real', frames: [] } } },
      val: { c23: { '001': { label: 'FF-real', frames: frames('ff/real/001', 2) } } },
      test: { c23: { '002': { label: 'FF-real', frames: frames('ff/real/002', 2) } } },
    },
    'FF-DF': {
      train: { c23: { '000_003': { label: 'FF-DF', frames: frames('ff/df/000_003', 3) } } },
      val: { c23: {} },
      test: { c23: { '002_006': { label: 'FF-DF', frames: frames('ff/df/002_006', 2) } } },
    },
  },
};
const celeb = {
  'Celeb-DF-v2': {
    CelebDFv2_fake: { test: { 'id0_id1_0000': { label: 'CelebDFv2_fake', frames: frames('celeb/fake/id0_id1_0000', 2) } } },
    CelebDFv2_real: { test: { 'id0_0000': { label: 'CelebDFv2_real', frames: frames('celeb/real/id0_0000', 2) } } },
  },
};
writeFileSync(join(root, 'FaceForensics++.json'), JSON.stringify(ff));
writeFileSync(join(root, 'Celeb-DF-v2.json'), JSON.stringify(celeb));

describe('loadDeepfakeBenchDataset', () => {
  it('reads frames with their split, label, technique and video group (compression c23 by default)', async () => {
    const ds = await loadDataset(join(root, 'FaceForensics++.json'));
    expect(ds.kind).toBe('deepfakebench');
    expect(ds.items).toHaveLength(12);
    const item = ds.items.find((i) => i.id === 'ff/df/000_003/1.png')!;
    expect(item).toMatchObject({ label: 1, technique: 'FF-DF', split: 'train', group: 'FF-DF_000_003' });
    expect(ds.items.filter((i) => i.split === 'validation').map((i) => i.group)).toEqual(['FF-real_001', 'FF-real_001']);
    expect(ds.items.find((i) => i.id === 'ff/real/002/0.png')).toMatchObject({ label: 0, technique: 'real', split: 'test' });
    const splits = splitDataset(ds, { seed: 3 });
    expect(splits.test.map((i) => i.group).sort()).toEqual(['FF-DF_002_006', 'FF-DF_002_006', 'FF-real_002', 'FF-real_002']);
  });

  it('reads datasets without a compression level, and frame paths relative to a given root', async () => {
    const ds = await loadDeepfakeBenchDataset(join(root, 'Celeb-DF-v2.json'), { root });
    expect(ds.items.map((i) => [i.label, i.technique])).toEqual([[1, 'CelebDFv2_fake'], [1, 'CelebDFv2_fake'], [0, 'real'], [0, 'real']]);
  });

  it('names an unknown label, a missing compression level and missing frames', async () => {
    await expect(loadDeepfakeBenchDataset(join(root, 'FaceForensics++.json'), { compression: 'raw' })).rejects.toThrow(/compression levels c23, c40 but not "raw"/);
    await expect(loadDeepfakeBenchDataset(join(root, 'Celeb-DF-v2.json'), { labelDict: { CelebDFv2_real: 0 } })).rejects.toThrow(/label "CelebDFv2_fake"/);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ X: { DFD_fake: { test: { v: { label: 'DFD_fake', frames: ['nowhere/0.png'] } } } } }));
    await expect(loadDeepfakeBenchDataset(bad)).rejects.toBeInstanceOf(DatasetError);
    await expect(loadDeepfakeBenchDataset(bad)).rejects.toThrow(/1 of 1 frames do not exist/);
  });
});
