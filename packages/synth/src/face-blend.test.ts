import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@rfm/core';
import { initBackend } from '@rfm/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceBlend, faceHullMask, FACE_REGIONS, morphMask, regionMasks, swapRegion, toDecodedImage, type DonorFace } from './index.js';
import { portraitFaces, type TestFace } from './test-fixtures.js';

const SIZE = 96;
let faces: TestFace[] = [];
let donors: DonorFace[] = [];
let previousBackend = '';
beforeAll(async () => {
  previousBackend = tf.getBackend();
  await initBackend('wasm');
  faces = await portraitFaces(4, SIZE);
  donors = faces.map((f) => ({ id: f.item.id, identity: f.item.group!, image: f.image, landmarks: f.landmarks }));
});
afterAll(async () => {
  await tf.setBackend(previousBackend);
});

function changedOutside(fake: Uint8Array, target: Uint8Array, allowed: Float32Array): number {
  let n = 0;
  for (let p = 0; p < allowed.length; p++) {
    if (allowed[p]! > 0) continue;
    if (fake[p * 3] !== target[p * 3] || fake[p * 3 + 1] !== target[p * 3 + 1] || fake[p * 3 + 2] !== target[p * 3 + 2]) n++;
  }
  return n;
}

describe('blends between two people', () => {
  it('take another identity, change the target only inside the feathered hull, and are reproducible', () => {
    const before = tf.memory().numTensors;
    const t = faces[0]!;
    for (let seed = 0; seed < 4; seed++) {
      const made = faceBlend(t.image, t.landmarks, t.item.group!, donors, createRng(seed));
      expect(made.params.donor).not.toBe(t.item.id);
      expect(made.params.method).toBe('blend');
      const allowed = morphMask(faceHullMask(t.landmarks, SIZE, SIZE, made.params.hull), Math.ceil(made.params.feather) + 1);
      expect(changedOutside(made.fake.data, t.image.data, allowed.data)).toBe(0);
      expect(changedOutside(made.fake.data, t.image.data, new Float32Array(SIZE * SIZE))).toBeGreaterThan(100);
      const again = faceBlend(t.image, t.landmarks, t.item.group!, donors, createRng(seed));
      expect(Buffer.from(again.fake.data).equals(Buffer.from(made.fake.data))).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuse when every donor is the same person', () => {
    const t = faces[0]!;
    expect(() => faceBlend(t.image, t.landmarks, t.item.group!, [donors[0]!], createRng(1))).toThrow(/another person/);
  });
});

describe('less-forgery region swaps', () => {
  it('replace each region with the donor, leaving the rest of the fake untouched', () => {
    const fake = faces[1]!;
    const donor = donors[2]!;
    const regions = regionMasks(fake.landmarks, SIZE, SIZE);
    for (const region of FACE_REGIONS) {
      const made = swapRegion(fake.image, fake.landmarks, region, donor);
      expect(made.params.region).toBe(region);
      const allowed = morphMask(regions[region], (made.params.kernel - 1) / 2 + 1);
      expect(changedOutside(made.fake.data, fake.image.data, allowed.data), region).toBe(0);
      expect(changedOutside(made.fake.data, toDecodedImage(made.target).data, made.mask.data), region).toBe(0);
      expect(changedOutside(made.fake.data, fake.image.data, new Float32Array(SIZE * SIZE)), region).toBeGreaterThan(5);
    }
  });
});
