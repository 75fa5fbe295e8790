import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { countItems, createBalancedSource, datasetHash, loadDataset, splitDataset } from './index.js';

const root = fileURLToPath(new URL('../../../data/ffhq-stylegan2', import.meta.url));

describe('bundled data/ffhq-stylegan2', () => {
  it('loads 76 real and 63 fake images', async () => {
    const ds = await loadDataset(root);
    expect(countItems(ds.items)).toEqual({ real: 76, fake: 63, techniques: { real: 76, fake: 63 } });
    expect(await datasetHash(ds)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('splits into three disjoint parts with both classes, deterministically', async () => {
    const ds = await loadDataset(root);
    const s = splitDataset(ds, { seed: 0 });
    const parts = [s.train, s.validation, s.test];
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(139);
    expect(new Set(parts.flat().map((it) => it.id)).size).toBe(139);
    for (const p of parts) expect(new Set(p.map((it) => it.label))).toEqual(new Set([0, 1]));
    expect(s.train.length).toBeGreaterThan(80);
    expect(splitDataset(ds, { seed: 0 }).train.map((it) => it.id)).toEqual(s.train.map((it) => it.id));
  });

  it('feeds a balanced 224 px batch from its training split', async () => {
    const s = splitDataset(await loadDataset(root), { seed: 0 });
    const few = [...s.train.filter((it) => it.label === 0).slice(0, 4), ...s.train.filter((it) => it.label === 1).slice(0, 4)];
    const source = await createBalancedSource(few, createRng(5), { realPerBatch: 2, fakePerBatch: 2 });
    const b = await source.next();
    expect(b.images.shape).toEqual([4, 224, 224, 3]);
    expect(Array.from(b.labels.dataSync())).toEqual([0, 0, 1, 1]);
    tf.dispose([b.images, b.labels]);
  });
});

describe('bundled data/ffhq-tpdne-4k', () => {
  const root4k = fileURLToPath(new URL('../../../data/ffhq-tpdne-4k', import.meta.url));

  it('loads 2,000 real and 2,000 fake images with the fixed 2800/600/600 split of splits.csv, balanced per split', async () => {
    const ds = await loadDataset(root4k);
    expect(countItems(ds.items)).toEqual({ real: 2000, fake: 2000, techniques: { real: 2000, fake: 2000 } });
    const s = splitDataset(ds, { seed: 0, fractions: { train: 0.5, validation: 0.25, test: 0.25 } });
    expect(s.rebalanced).toEqual([]);
    expect([s.train, s.validation, s.test].map((p) => [countItems(p).real, countItems(p).fake])).toEqual([
      [1400, 1400],
      [300, 300],
      [300, 300],
    ]);
    expect(new Set([...s.train, ...s.validation, ...s.test].map((it) => it.id)).size).toBe(4000);
  });
});
