import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@rfm/backend';
import { decodeImage } from '@rfm/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceApiRoot, fivePoints, FaceDetector, loadFaceApi } from './index.js';
import { PORTRAITS_DIR, templatePupils } from './test-fixtures.js';

const portraits = readdirSync(PORTRAITS_DIR).filter((f) => f.endsWith('.jpg')).sort();
const demoDir = join(faceApiRoot(), 'demo');
const demoPhotos = (() => {
  try {
    return readdirSync(demoDir).filter((f) => /^sample\d\.jpg$/.test(f)).sort();
  } catch {
    return [];
  }
})();

let previousBackend = '';
beforeAll(async () => {
  previousBackend = tf.getBackend();
  await initBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend(previousBackend);
});

describe('face-api on the training engine', () => {
  it('uses the one tfjs-core instance and the active backend', async () => {
    const api = loadFaceApi();
    expect(api.tf.engine()).toBe(tf.engine());
    expect(api.tf.Tensor).toBe(tf.Tensor);
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe.each(['tiny', 'ssd'] as const)('%s detector on the London portraits', (name) => {
  it('puts the eye centres within a few pixels of the hand-placed pupils, without leaking tensors', async () => {
    const detector = await FaceDetector.create({ detector: name });
    const before = tf.memory().numTensors;
    const errors: number[] = [];
    for (const file of portraits) {
      const image = await decodeImage(join(PORTRAITS_DIR, file));
      const faces = await detector.detect(image);
      expect(faces.length, file).toBe(1);
      const [left, right] = fivePoints(faces[0]!.landmarks);
      const [tl, tr] = templatePupils(join(PORTRAITS_DIR, file.replace('.jpg', '.tem')));
      errors.push(Math.hypot(left[0] - tl[0], left[1] - tl[1]), Math.hypot(right[0] - tr[0], right[1] - tr[1]));
    }
    expect(tf.memory().numTensors).toBe(before);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const max = Math.max(...errors);
    // Measured on these 12 faces (675 px, inter-pupil distance about 105 px): see the package README.
    console.log(`${name}: eye-centre error over ${errors.length} eyes: mean ${mean.toFixed(2)} px, max ${max.toFixed(2)} px`);
    expect(mean).toBeLessThan(5);
    expect(max).toBeLessThan(10);
  });
});

describe.skipIf(demoPhotos.length === 0)("face-api's multi-face demo photos", () => {
  it('finds several faces in a group photo, each with 68 landmarks inside its box', async () => {
    const detector = await FaceDetector.create({ detector: 'ssd' });
    const counts: number[] = [];
    for (const file of demoPhotos.slice(0, 2)) {
      const faces = await detector.detect(await decodeImage(join(demoDir, file)));
      counts.push(faces.length);
      for (const f of faces) {
        expect(f.landmarks).toHaveLength(68);
        const nose = f.landmarks[30]!;
        expect(nose[0]).toBeGreaterThan(f.box.x);
        expect(nose[0]).toBeLessThan(f.box.x + f.box.width);
      }
      for (let i = 1; i < faces.length; i++) {
        expect(faces[i - 1]!.box.width * faces[i - 1]!.box.height).toBeGreaterThanOrEqual(faces[i]!.box.width * faces[i]!.box.height);
      }
    }
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
  });
});
