import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { createRng, MemoryRunLog } from '@rfm/core';
import { initBackend } from '@rfm/backend';
import { ImageStore, type DatasetItem } from '@rfm/data';
import { FaceDetector } from '@rfm/faces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSbiSources, LandmarkCache, NoFaceError, SbiBatchSource, type SbiImageParams } from './index.js';
import { portraitItems } from './test-fixtures.js';

const RESIZE = 80;
const CROP = 64;
const transform = { resize: RESIZE, crop: CROP };
let detector: FaceDetector;
let tmp = '';
let faceless: DatasetItem;
let previousBackend = '';
beforeAll(async () => {
  previousBackend = tf.getBackend();
  await initBackend('wasm');
  detector = await FaceDetector.create({ inputSize: 224 });
  tmp = mkdtempSync(join(tmpdir(), 'rfm-synth-'));
  // A picture without a face: smooth colour noise.
  const noise = Buffer.alloc(96 * 96 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 37 + (i >> 5) * 11) % 256;
  await sharp(noise, { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(join(tmp, 'wall.png'));
  faceless = { id: 'wall.png', path: join(tmp, 'wall.png'), label: 0, technique: 'real' };
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await tf.setBackend(previousBackend);
});

describe('landmark cache', () => {
  it('reports an image without a face and skips it, detecting each image once', async () => {
    let calls = 0;
    const counting = { detect: (img: Parameters<FaceDetector['detect']>[0]) => (calls++, detector.detect(img)) };
    const cache = new LandmarkCache(counting, new ImageStore({ resize: 96 }));
    const [face] = portraitItems(1);
    const scan = await cache.prepare([face!, faceless]);
    expect(scan.withFace.map((i) => i.id)).toEqual([face!.id]);
    expect(scan.faceless).toEqual([{ id: 'wall.png', path: faceless.path, reason: 'no face found' }]);
    expect(await cache.landmarks(faceless)).toBeNull();
    expect((await cache.landmarks(face!))!).toHaveLength(68);
    expect(calls).toBe(2);
  });
});

describe('SBI sources', () => {
  const reals = () => portraitItems(6);
  const splits = () => {
    const r = reals();
    return { train: [...r.slice(0, 4), faceless], validation: r.slice(4, 6), test: r.slice(4, 6) };
  };

  it('serve reals paired with their self-blended fakes, reproducibly, without leaking tensors, recording parameters', async () => {
    const store = new ImageStore({ resize: RESIZE });
    const landmarks = new LandmarkCache(detector, store);
    const make = async (seed: number) => createSbiSources(splits(), createRng(seed), { store, landmarks, detector, transform, pairsPerBatch: 2 });
    const a = await make(3);
    expect(a.faceless.map((f) => f.id)).toContain('wall.png');
    expect(a.train.reals.map((r) => r.id)).not.toContain('wall.png');
    const log = new MemoryRunLog();
    a.train.runLog = log;
    const before = tf.memory().numTensors;
    const batch = await a.train.next();
    expect(batch.images.shape).toEqual([4, CROP, CROP, 3]);
    expect(Array.from(await batch.labels.data())).toEqual([0, 0, 1, 1]);
    expect(batch.techniques).toEqual(['real', 'real', 'sbi', 'sbi']);
    expect(batch.ids![2]).toBe(`${batch.ids![0]}#sbi`);
    const record = log.records.find((r) => r.type === 'synthesis')!;
    const perImage = record.perImage as SbiImageParams[];
    expect(perImage).toHaveLength(4);
    expect(perImage[2]!.synthesis!.method).toBe('sbi');
    expect(perImage[2]!.crop).toEqual(perImage[0]!.crop);

    const b = await make(3);
    const batchB = await b.train.next();
    expect(Array.from(await batchB.images.data())).toEqual(Array.from(await batch.images.data()));
    tf.dispose([batch.images, batch.labels, batchB.images, batchB.labels]);
    expect(tf.memory().numTensors).toBe(before);

    // Resuming from a saved state gives the same next batch.
    const state = JSON.parse(JSON.stringify(a.train.getState())) as unknown;
    const next = await a.train.next();
    const resumed = new SbiBatchSource(b.train.reals, new ImageStore({ resize: RESIZE }), b.landmarks, createRng(99), { pairsPerBatch: 2, transform });
    resumed.setState(state);
    const again = await resumed.next();
    expect(Array.from(await again.images.data())).toEqual(Array.from(await next.images.data()));
    tf.dispose([next.images, next.labels, again.images, again.labels]);

    // The log samples every 10th batch by default (batch 0 of 0 and 1 here); logEvery 1 records
    // every batch, numbered on after a resume.
    expect(log.records.filter((r) => r.type === 'synthesis').map((r) => r.batch)).toEqual([0]);
    const everyLog = new MemoryRunLog();
    const every = new SbiBatchSource(b.train.reals, new ImageStore({ resize: RESIZE }), b.landmarks, createRng(99), { pairsPerBatch: 2, transform, logEvery: 1, runLog: everyLog });
    every.setState(state);
    for (let k = 0; k < 2; k++) {
      const made = await every.next();
      tf.dispose([made.images, made.labels]);
    }
    expect(everyLog.records.map((r) => r.batch)).toEqual([1, 2]);
    expect(() => new SbiBatchSource(b.train.reals, new ImageStore({ resize: RESIZE }), b.landmarks, createRng(1), { transform, logEvery: 0 })).toThrow(/logEvery/);
  });

  it('score fixed fakes on validation and keep a test split that has its own fakes', async () => {
    const s = splits();
    const gan: DatasetItem = { id: 'gan.jpg', path: join(portraitItems(1)[0]!.path, '..', '..', 'fake', 'tpdne_00d89be4.jpg'), label: 1, technique: 'stylegan2' };
    const made = await createSbiSources({ ...s, test: [...s.test, gan] }, createRng(1), { store: new ImageStore({ resize: RESIZE }), detector, transform });
    expect(made.validation.items.map((i) => i.technique)).toEqual(['real', 'real', 'sbi', 'sbi']);
    expect(made.testHasDatasetFakes).toBe(true);
    expect(made.test.items.map((i) => i.technique)).toEqual(['real', 'real', 'stylegan2']);
    const first: number[][] = [];
    for (let round = 0; round < 2; round++) {
      for await (const batch of made.validation.batches(8)) {
        first.push(Array.from(await batch.images.data()));
        tf.dispose([batch.images, batch.labels]);
      }
    }
    expect(first[0]).toEqual(first[1]);
  });

  it('refuse a training split without any face', async () => {
    await expect(
      createSbiSources({ train: [faceless], validation: [], test: [] }, createRng(1), { store: new ImageStore({ resize: RESIZE }), detector, transform }),
    ).rejects.toBeInstanceOf(NoFaceError);
  });
});
