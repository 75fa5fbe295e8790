import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centerParams, createEvalSource, decodeImage, loadFolderDataset, normalizationTable, resolveTransformOptions, writeTransformed, type DatasetItem } from './index.js';
import { tempDir, writeFolderDataset } from './test-fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let items: readonly DatasetItem[] = [];
const transform = { resize: 8, crop: 6 };

beforeAll(async () => {
  await writeFolderDataset(tmp.dir, 3, { x: 2 }, 8);
  items = (await loadFolderDataset(tmp.dir)).items;
});

describe('DatasetEvalSource', () => {
  it('yields fixed-order batches with ids, techniques and labels; the last may be smaller', async () => {
    const source = await createEvalSource(items, { transform });
    expect(source.size).toBe(5);
    const seen: Array<{ ids: string[]; techniques: string[]; labels: number[]; shape: number[] }> = [];
    for await (const b of source.batches(2)) {
      seen.push({ ids: [...b.ids!], techniques: [...b.techniques!], labels: Array.from(b.labels.dataSync()), shape: b.images.shape });
      tf.dispose([b.images, b.labels]);
    }
    expect(seen.map((b) => b.shape)).toEqual([
      [2, 6, 6, 3],
      [2, 6, 6, 3],
      [1, 6, 6, 3],
    ]);
    expect(seen.flatMap((b) => b.ids)).toEqual(items.map((it) => it.id));
    expect(seen.flatMap((b) => b.techniques)).toEqual(['x', 'x', 'real', 'real', 'real']);
    expect(seen.flatMap((b) => b.labels)).toEqual([1, 1, 0, 0, 0]);
  });

  it('applies the centre crop without flip, identically on every pass', async () => {
    const source = await createEvalSource(items, { transform: { ...transform, flip: 1 } });
    const t = resolveTransformOptions(transform);
    const expected = new Float32Array(6 * 6 * 3);
    writeTransformed(await decodeImage(items[0]!.path), centerParams(t), t, normalizationTable(t.normalization), expected, 0);
    for (let pass = 0; pass < 2; pass++) {
      for await (const b of source.batches(1)) {
        expect(Array.from(b.images.dataSync())).toEqual(Array.from(expected));
        tf.dispose([b.images, b.labels]);
        break;
      }
    }
  });

  it('leaves no tensor behind and rejects a bad batch size', async () => {
    const source = await createEvalSource(items, { transform });
    const before = tf.memory().numTensors;
    for await (const b of source.batches(3)) tf.dispose([b.images, b.labels]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(source.batches(0)[Symbol.asyncIterator]().next()).rejects.toThrow(InvalidOptionError);
  });
});
