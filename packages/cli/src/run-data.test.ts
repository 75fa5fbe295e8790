import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, silentLogger } from '@rfm/core';
import { configFromFlags, TRAIN_FLAGS } from './commands/train.js';
import { parseFlags } from './flags.js';
import { prepareRunData, RunImageStores } from './run-data.js';
import { folderDataset } from './testing/run-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'rfm-run-data-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The first training batch's pixels and labels. */
async function firstBatch(data: Awaited<ReturnType<typeof prepareRunData>>): Promise<[Float32Array, Int32Array]> {
  const b = await data.train.next();
  try {
    return [(await b.images.data()) as Float32Array, (await b.labels.data()) as Int32Array];
  } finally {
    b.images.dispose();
    b.labels.dispose();
  }
}

describe('RunImageStores', () => {
  const config = () => configFromFlags(parseFlags('train', ['--data', folderDataset(root, 12), '--out', join(root, 'run'), '--batch', '4'], TRAIN_FLAGS));

  it('decodes the dataset once for runs that share it, and their batches are the pixels of an unshared run', async () => {
    const c = config();
    const stores = new RunImageStores();
    const store = stores.storeFor(c, silentLogger);
    const first = await prepareRunData(c, createRng(3), silentLogger, stores);
    expect(store.cachedCount).toBe(first.dataset.items.length);
    const tensors = tf.memory().numTensors;
    const shared = await prepareRunData(c, createRng(3), silentLogger, stores);
    expect(stores.storeFor(c, silentLogger)).toBe(store);
    expect(store.cachedCount).toBe(first.dataset.items.length);
    const alone = await prepareRunData(c, createRng(3), silentLogger);
    const [sharedPixels, sharedLabels] = await firstBatch(shared);
    const [alonePixels, aloneLabels] = await firstBatch(alone);
    expect(sharedPixels).toEqual(alonePixels);
    expect(sharedLabels).toEqual(aloneLabels);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('keeps one store per resize side and bad-file policy', () => {
    const stores = new RunImageStores();
    const base = { resize: 96, skipBadImages: false };
    expect(stores.storeFor(base, silentLogger)).toBe(stores.storeFor({ ...base }, silentLogger));
    expect(stores.storeFor({ ...base, resize: 128 }, silentLogger).size).toEqual([128, 128]);
    expect(stores.storeFor({ ...base, skipBadImages: true }, silentLogger).onBadImage).toBe('skip');
    expect(stores.storeFor({ ...base, skipBadImages: true }, silentLogger)).not.toBe(stores.storeFor(base, silentLogger));
  });
});
