import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, InvalidOptionError, type BatchSource } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancedSource, DatasetError, ImageStore, loadFolderDataset, type DatasetItem } from './index.js';
import { tempDir, writeFolderDataset } from './test-fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let items: readonly DatasetItem[] = [];
// Tiny images: resize 8, crop 6 (offsets 0..2).
const transform = { resize: 8, crop: 6 };

beforeAll(async () => {
  await writeFolderDataset(tmp.dir, 5, { a: 4, b: 3 }, 8);
  items = (await loadFolderDataset(tmp.dir)).items;
});

async function take(source: BatchSource, n: number) {
  const out: Array<{ ids: string[]; labels: number[]; pixels: number[] }> = [];
  for (let i = 0; i < n; i++) {
    const b = await source.next();
    out.push({ ids: [...b.ids!], labels: Array.from(b.labels.dataSync()), pixels: Array.from(b.images.dataSync()) });
    tf.dispose([b.images, b.labels]);
  }
  return out;
}

describe('BalancedBatchSource', () => {
  it('yields real-then-fake batches of the configured size with labels, techniques and ids', async () => {
    const source = await createBalancedSource(items, createRng(1), { transform, realPerBatch: 2, fakePerBatch: 3 });
    const b = await source.next();
    expect(b.images.shape).toEqual([5, 6, 6, 3]);
    expect(b.images.dtype).toBe('float32');
    expect(b.labels.dtype).toBe('int32');
    expect(Array.from(b.labels.dataSync())).toEqual([0, 0, 1, 1, 1]);
    expect(b.techniques!.slice(0, 2)).toEqual(['real', 'real']);
    expect(b.techniques!.slice(2).every((t) => t === 'a' || t === 'b')).toBe(true);
    expect(b.ids!.every((id, i) => id.startsWith(i < 2 ? 'real/' : 'fake/'))).toBe(true);
    const v = b.images.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThanOrEqual(2);
    tf.dispose([b.images, b.labels]);
  });

  it('defaults to 8 real + 8 fake', async () => {
    const source = await createBalancedSource(items, createRng(1), { transform });
    expect([source.realPerBatch, source.fakePerBatch]).toEqual([8, 8]);
  });

  it('makes an epoch one pass over the limiting class, the other drawn without repeats, reshuffled each epoch', async () => {
    // 5 reals by 2 → 3 batches, 7 fakes by 2 → 4 batches: 3 batches per epoch, the last with 1 real.
    const source = await createBalancedSource(items, createRng(4), { transform, realPerBatch: 2, fakePerBatch: 2 });
    expect(source.batchesPerEpoch).toBe(3);
    const epochs: string[][] = [];
    for (let e = 0; e < 3; e++) {
      const batches = await take(source, 3);
      expect(source.epoch).toBe(e + 1);
      expect(batches.map((b) => b.labels)).toEqual([
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        [0, 1, 1],
      ]);
      const ids = batches.flatMap((b) => b.ids);
      const reals = ids.filter((id) => id.startsWith('real/'));
      const fakes = ids.filter((id) => id.startsWith('fake/'));
      expect(new Set(reals).size).toBe(5); // every real exactly once
      expect(new Set(fakes).size).toBe(fakes.length); // no fake twice within the epoch
      expect(fakes.length).toBe(6);
      epochs.push(reals);
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
  });

  it('drops the partial batch with dropLast', async () => {
    const source = await createBalancedSource(items, createRng(4), { transform, realPerBatch: 2, fakePerBatch: 2, dropLast: true });
    expect(source.batchesPerEpoch).toBe(2);
    const batches = await take(source, 4);
    expect(batches.every((b) => b.labels.length === 4)).toBe(true);
    expect(source.epoch).toBe(2);
  });

  it('is deterministic for a seed, and different for another', async () => {
    const opts = { transform, realPerBatch: 2, fakePerBatch: 2 };
    const a = await take(await createBalancedSource(items, createRng(11), opts), 4);
    const b = await take(await createBalancedSource(items, createRng(11), opts), 4);
    const c = await take(await createBalancedSource(items, createRng(12), opts), 4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('resumes exactly from a JSON round-trip of its state, mid-epoch and at an epoch boundary', async () => {
    const opts = { transform, realPerBatch: 2, fakePerBatch: 2 };
    for (const k of [0, 2, 3, 4]) {
      const original = await createBalancedSource(items, createRng(21), opts);
      await take(original, k);
      const state = JSON.parse(JSON.stringify(original.getState())) as unknown;
      const expected = await take(original, 5);
      const resumed = await createBalancedSource(items, createRng(999), opts);
      await take(resumed, 1); // its own position is overwritten
      resumed.setState(state);
      expect(await take(resumed, 5), `after ${k} batches`).toEqual(expected);
    }
  });

  it('refuses a state from another dataset or batch composition', async () => {
    const s = await createBalancedSource(items, createRng(1), { transform, realPerBatch: 2, fakePerBatch: 2 });
    const other = await createBalancedSource(items.slice(1), createRng(1), { transform, realPerBatch: 2, fakePerBatch: 2 });
    expect(() => other.setState(s.getState())).toThrow(InvalidOptionError);
    const wider = await createBalancedSource(items, createRng(1), { transform, realPerBatch: 3, fakePerBatch: 2 });
    expect(() => wider.setState(s.getState())).toThrow(InvalidOptionError);
    expect(() => s.setState({ kind: 'something-else' })).toThrow(InvalidOptionError);
    expect(() => s.setState(null)).toThrow(InvalidOptionError);
  });

  it('needs both classes', async () => {
    await expect(createBalancedSource(items.filter((it) => it.label === 1), createRng(1), { transform })).rejects.toThrow(DatasetError);
  });

  it('caches decoded images by default and can share or skip the cache', async () => {
    const store = new ImageStore({ resize: 8 });
    const s = await createBalancedSource(items, createRng(1), { transform, store });
    expect(store.cachedCount).toBe(items.length);
    await take(s, 1);
    expect(store.cachedCount).toBe(items.length);
    const noCache = new ImageStore({ resize: 8, cache: false });
    await take(await createBalancedSource(items, createRng(1), { transform, store: noCache }), 2);
    expect(noCache.cachedCount).toBe(0);
    await expect(createBalancedSource(items, createRng(1), { transform: { resize: 10, crop: 6 }, store })).rejects.toThrow(
      InvalidOptionError,
    );
  });

  it('leaves no tensor behind once the caller disposes its batches', async () => {
    const source = await createBalancedSource(items, createRng(3), { transform, realPerBatch: 2, fakePerBatch: 2 });
    const before = tf.memory().numTensors;
    await take(source, 4);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('folder layout used by these tests', () => {
  it('has 5 reals and 7 fakes of two techniques', () => {
    expect(items.filter((it) => it.label === 0)).toHaveLength(5);
    expect(new Set(items.filter((it) => it.label === 1).map((it) => it.technique))).toEqual(new Set(['a', 'b']));
    expect(items[0]!.path.startsWith(join(tmp.dir, 'fake'))).toBe(true);
  });
});
