import { describe, expect, it } from 'vitest';
import { alignFace, applySimilarity, fitSimilarity, fivePoints, invertSimilarity, templatePoints, type Point } from './index.js';
import type { DetectedFace } from './face-detector.js';

/** 68 landmarks whose five alignment points are `five` (eyes as 6 equal points each). */
function landmarksWithFive(five: readonly Point[]): Point[] {
  const pts: Point[] = Array.from({ length: 68 }, () => [0, 0] as Point);
  for (let i = 36; i <= 41; i++) pts[i] = five[0]!;
  for (let i = 42; i <= 47; i++) pts[i] = five[1]!;
  pts[30] = five[2]!;
  pts[48] = five[3]!;
  pts[54] = five[4]!;
  return pts;
}

describe('fitSimilarity', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const t = { a: 1.5 * Math.cos(0.3), b: 1.5 * Math.sin(0.3), tx: 12, ty: -7 };
    const from: Point[] = [[10, 20], [40, 22], [25, 35], [15, 50], [38, 49]];
    const to = from.map((p) => applySimilarity(t, p));
    const fit = fitSimilarity(from, to);
    expect(fit.a).toBeCloseTo(t.a, 9);
    expect(fit.b).toBeCloseTo(t.b, 9);
    expect(fit.tx).toBeCloseTo(t.tx, 9);
    expect(fit.ty).toBeCloseTo(t.ty, 9);
    const back = applySimilarity(invertSimilarity(fit), to[2]!);
    expect(back[0]).toBeCloseTo(25, 9);
    expect(back[1]).toBeCloseTo(35, 9);
  });

  it('refuses coincident points with a typed error', () => {
    expect(() => fitSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow(/distinct points/);
  });
});

describe('templatePoints', () => {
  it('centres the template and shrinks it by the margin', () => {
    const a = templatePoints({ size: 256, margin: 1 });
    const b = templatePoints({ size: 256, margin: 2 });
    const eyeDist = (p: Point[]): number => Math.hypot(p[1]![0] - p[0]![0], p[1]![1] - p[0]![1]);
    expect(eyeDist(a) / eyeDist(b)).toBeCloseTo(2, 9);
    expect(() => templatePoints({ margin: 0.5 })).toThrow(/margin/);
  });
});

describe('alignFace', () => {
  it('maps the five points onto the template and samples the right pixels', () => {
    // A 200x100 image whose red channel is x and green channel is y.
    const W = 200, H = 100;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      data[(y * W + x) * 3] = x;
      data[(y * W + x) * 3 + 1] = y;
    }
    const target = templatePoints({ size: 64, margin: 1.3 });
    // The face in the source: the template shifted by (60, 10) and scaled by 1 / 0.8 around it.
    const five = target.map(([x, y]) => [x / 0.8 + 60, y / 0.8 + 10] as Point);
    const face: DetectedFace = { box: { x: 60, y: 10, width: 80, height: 80 }, score: 0.9, landmarks: landmarksWithFive(five) };
    const aligned = alignFace({ data, width: W, height: H }, face, { size: 64, margin: 1.3 });
    expect(aligned.crop.width).toBe(64);
    expect(aligned.crop.data.length).toBe(64 * 64 * 3);
    const crop5 = fivePoints(aligned.cropLandmarks);
    crop5.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(target[i]![0], 6);
      expect(p[1]).toBeCloseTo(target[i]![1], 6);
    });
    expect(aligned.sourceLandmarks[30]).toEqual(five[2]);
    // Crop pixel (u, v) comes from source ((u + 0.5) / 0.8 + 60 - 0.5, (v + 0.5) / 0.8 + 10 - 0.5).
    const u = 20, v = 30;
    const o = (v * 64 + u) * 3;
    expect(Math.abs(aligned.crop.data[o]! - ((u + 0.5) / 0.8 + 59.5))).toBeLessThanOrEqual(1);
    expect(Math.abs(aligned.crop.data[o + 1]! - ((v + 0.5) / 0.8 + 9.5))).toBeLessThanOrEqual(1);
  });
});
