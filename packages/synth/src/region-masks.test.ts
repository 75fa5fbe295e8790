import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@rfm/backend';
import { fivePoints } from '@rfm/faces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convexHull, FACE_REGIONS, faceHullMask, fillPolygon, HULL_VARIANTS, maskArea, regionMasks, subtractMask, type Mask } from './index.js';
import { portraitFaces, type TestFace } from './test-fixtures.js';

const SIZE = 192;
let faces: TestFace[] = [];
let previousBackend = '';
beforeAll(async () => {
  previousBackend = tf.getBackend();
  await initBackend('wasm');
  faces = await portraitFaces(3, SIZE);
});
afterAll(async () => {
  await tf.setBackend(previousBackend);
});

const at = (m: Mask, p: readonly [number, number]) => m.data[Math.floor(p[1]) * m.width + Math.floor(p[0])]!;

describe('polygon rasterisation', () => {
  it('fills a square by pixel centres and builds convex hulls without interior points', () => {
    const m = fillPolygon([[2, 2], [6, 2], [6, 6], [2, 6]], 10, 10);
    expect(maskArea(m)).toBe(16);
    expect(at(m, [2, 2])).toBe(1);
    expect(at(m, [6, 6])).toBe(0);
    expect(convexHull([[0, 0], [4, 0], [2, 1], [4, 4], [0, 4], [2, 2]])).toHaveLength(4);
  });
});

describe('region masks from detected landmarks', () => {
  it('partitions the face hull into disjoint eyes, nose, mouth and skin, each where it belongs', () => {
    for (const { item, landmarks } of faces) {
      const r = regionMasks(landmarks, SIZE, SIZE);
      const faceArea = maskArea(r.face);
      expect(faceArea, item.id).toBeGreaterThan(SIZE * SIZE * 0.1);
      let sum = 0;
      let overlapping = 0;
      let outside = 0;
      for (let i = 0; i < SIZE * SIZE; i++) {
        const covered = FACE_REGIONS.reduce((n, name) => n + r[name].data[i]!, 0);
        if (covered > 1) overlapping++;
        if (r.face.data[i] === 0 && covered > 0) outside++;
        sum += covered;
      }
      // Disjoint: no pixel in two regions; inside the face: no region pixel outside the hull.
      expect(overlapping, item.id).toBe(0);
      expect(outside, item.id).toBe(0);
      expect(sum).toBe(faceArea);
      for (const name of FACE_REGIONS) expect(maskArea(r[name]), `${item.id} ${name}`).toBeGreaterThan(0);
      const [eyeR, eyeL, nose] = fivePoints(landmarks);
      expect(at(r.eyes, eyeR!)).toBe(1);
      expect(at(r.eyes, eyeL!)).toBe(1);
      expect(at(r.nose, nose!)).toBe(1);
      const mouthCentre = [0, 0] as [number, number];
      for (let i = 60; i < 68; i++) {
        mouthCentre[0] += landmarks[i]![0] / 8;
        mouthCentre[1] += landmarks[i]![1] / 8;
      }
      expect(at(r.mouth, mouthCentre)).toBe(1);
      // The cheeks (between jaw and nose, below the eyes) are skin.
      const cheek: [number, number] = [(landmarks[2]![0] + landmarks[31]![0]) / 2, (landmarks[2]![1] + landmarks[31]![1]) / 2];
      expect(at(r.skin, cheek)).toBe(1);
    }
  });

  it('builds every hull variant; the extended hull contains the plain one and reaches higher', () => {
    const { landmarks } = faces[0]!;
    const hull = faceHullMask(landmarks, SIZE, SIZE, 'hull');
    for (const v of HULL_VARIANTS) expect(maskArea(faceHullMask(landmarks, SIZE, SIZE, v)), v).toBeGreaterThan(SIZE * 4);
    const extended = faceHullMask(landmarks, SIZE, SIZE, 'extended');
    expect(maskArea(subtractMask(hull, extended))).toBe(0);
    expect(maskArea(extended)).toBeGreaterThan(maskArea(hull));
    expect(maskArea(faceHullMask(landmarks, SIZE, SIZE, 'inner'))).toBeLessThan(maskArea(hull));
  });

  it('rejects a landmark list that is not 68 points', () => {
    expect(() => regionMasks(faces[0]!.landmarks.slice(0, 5), SIZE, SIZE)).toThrow(/68 iBUG points/);
  });
});
