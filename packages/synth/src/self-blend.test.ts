import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@rfm/core';
import { initBackend } from '@rfm/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLEND_RATIOS, faceHullMask, maskArea, morphMask, selfBlend, toDecodedImage } from './index.js';
import { portraitFaces, type TestFace } from './test-fixtures.js';

const SIZE = 128;
let faces: TestFace[] = [];
let previousBackend = '';
beforeAll(async () => {
  previousBackend = tf.getBackend();
  await initBackend('wasm');
  faces = await portraitFaces(2, SIZE);
});
afterAll(async () => {
  await tf.setBackend(previousBackend);
});

describe('self-blended images', () => {
  it('differ from their target only inside the mask, which stays within the hull plus feather', () => {
    for (const { item, image, landmarks } of faces) {
      for (let seed = 1; seed <= 6; seed++) {
        const made = selfBlend(image, landmarks, createRng(seed));
        const { fake, mask, params } = made;
        const target = toDecodedImage(made.target);
        expect(BLEND_RATIOS).toContain(params.blendRatio);
        let changedOutside = 0;
        let changedInside = 0;
        for (let p = 0; p < SIZE * SIZE; p++) {
          const differs = [0, 1, 2].some((c) => fake.data[p * 3 + c] !== target.data[p * 3 + c]);
          if (mask.data[p] === 0 && differs) changedOutside++;
          if (mask.data[p]! > 0 && differs) changedInside++;
        }
        expect(changedOutside, `${item.id} seed ${seed}`).toBe(0);
        expect(changedInside, `${item.id} seed ${seed}`).toBeGreaterThan(100);
        // The mask reaches at most `feather` pixels beyond the landmark hull it started from.
        const hull = faceHullMask(landmarks, SIZE, SIZE, params.hull);
        const allowed = morphMask(hull, Math.ceil(params.feather));
        let beyond = 0;
        for (let p = 0; p < SIZE * SIZE; p++) if (mask.data[p]! > 0 && allowed.data[p] === 0) beyond++;
        expect(beyond, `${item.id} seed ${seed} ${JSON.stringify(params.kernels)}`).toBe(0);
        // Its strongest weight is the blend ratio.
        expect(Math.max(...mask.data)).toBeCloseTo(params.blendRatio, 5);
        expect(maskArea(mask)).toBeGreaterThan(maskArea(hull) * 0.3);
      }
    }
  });

  it('is reproducible from its seed, differs between seeds, and records JSON parameters', () => {
    const { image, landmarks } = faces[0]!;
    const a = selfBlend(image, landmarks, createRng(42));
    const b = selfBlend(image, landmarks, createRng(42));
    const c = selfBlend(image, landmarks, createRng(43));
    expect(Buffer.from(a.fake.data).equals(Buffer.from(b.fake.data))).toBe(true);
    expect(a.params).toEqual(b.params);
    expect(Buffer.from(a.fake.data).equals(Buffer.from(c.fake.data))).toBe(false);
    expect(JSON.parse(JSON.stringify(a.params))).toEqual(a.params);
    expect(a.params.kernels.every((k) => k % 2 === 1)).toBe(true);
  });

  it('draws every hull variant, both perturbed copies and the ratio distribution, leaving no tensor', () => {
    const { image, landmarks } = faces[1]!;
    const before = tf.memory().numTensors;
    const rng = createRng(7);
    const hulls = new Set<string>();
    const perturbed = new Set<string>();
    let full = 0;
    const n = 24;
    for (let i = 0; i < n; i++) {
      const { params } = selfBlend(image, landmarks, rng);
      hulls.add(params.hull);
      perturbed.add(params.perturbed);
      if (params.blendRatio === 1) full++;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(hulls.size).toBeGreaterThanOrEqual(3);
    expect([...perturbed].sort()).toEqual(['source', 'target']);
    // Ratio 1 has probability 1/2: 24 draws give between 5 and 19 with probability > 0.99.
    expect(full).toBeGreaterThan(4);
    expect(full).toBeLessThan(20);
  });
});
