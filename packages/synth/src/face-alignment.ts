/**
 * Bringing one face onto another: the 68-landmark similarity transform, warping, nearest-landmark
 * donor search and colour matching inside a mask.
 *
 * @packageDocumentation
 */
import { applySimilarity, fitSimilarity, invertSimilarity, type Point, type Similarity } from '@rfm/faces';
import { sampleBilinear, type FloatImage } from './float-image.js';
import type { Mask } from './mask.js';

/**
 * Warps `image` so that its landmarks `from` land on `to` (least-squares similarity over all 68
 * points), producing an image of `width x height` (bilinear, border replicated).
 *
 * @param image - the donor face
 * @param from - its landmarks
 * @param to - where they should go (the target's landmarks)
 * @param width - output columns
 * @param height - output rows
 * @returns the warped image and the transform (donor pixel -> output pixel)
 */
export function warpOnto(image: FloatImage, from: readonly Point[], to: readonly Point[], width: number, height: number): { image: FloatImage; transform: Similarity } {
  const transform = fitSimilarity(from, to);
  const inv = invertSimilarity(transform);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = applySimilarity(inv, [x, y]);
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = sampleBilinear(image.data, image.width, image.height, 3, sx, sy, c);
    }
  }
  return { image: { data: out, width, height }, transform };
}

/**
 * Landmarks with translation and scale removed (centroid at 0, root-mean-square radius 1), so that
 * face shapes can be compared across images.
 *
 * @param landmarks - points
 */
export function normaliseShape(landmarks: readonly Point[]): Point[] {
  let cx = 0;
  let cy = 0;
  for (const p of landmarks) {
    cx += p[0] / landmarks.length;
    cy += p[1] / landmarks.length;
  }
  let r = 0;
  for (const p of landmarks) r += ((p[0] - cx) ** 2 + (p[1] - cy) ** 2) / landmarks.length;
  const s = 1 / Math.sqrt(Math.max(r, 1e-12));
  return landmarks.map((p) => [(p[0] - cx) * s, (p[1] - cy) * s] as const);
}

/**
 * Sum of squared distances between two normalised shapes.
 *
 * @param a - a shape from {@link normaliseShape}
 * @param b - another, as many points
 */
export function shapeDistance(a: readonly Point[], b: readonly Point[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]![0] - b[i]![0]) ** 2 + (a[i]![1] - b[i]![1]) ** 2;
  return d;
}

/** Per-channel means and standard deviations before and after {@link matchColours}. */
export interface ColourMatch {
  /** Source mean R, G, B inside the mask. */
  readonly sourceMean: readonly number[];
  /** Target mean R, G, B inside the mask. */
  readonly targetMean: readonly number[];
  /** Per-channel gain applied (target std / source std, clamped to [0.5, 2]). */
  readonly gain: readonly number[];
}

/**
 * Shifts and scales each channel of `source` so that its mean and standard deviation inside `mask`
 * equal `target`'s there (a per-channel Reinhard-style transfer in RGB).
 *
 * @param source - the pixels to recolour
 * @param target - the reference
 * @param mask - where the statistics are taken (weights > 0)
 * @returns the recoloured image (clipped) and the statistics
 */
export function matchColours(source: FloatImage, target: FloatImage, mask: Mask): { image: FloatImage; match: ColourMatch } {
  const stats = (img: FloatImage) => {
    const mean = [0, 0, 0];
    const sq = [0, 0, 0];
    let n = 0;
    for (let p = 0; p < mask.data.length; p++) {
      if (mask.data[p]! <= 0) continue;
      n++;
      for (let c = 0; c < 3; c++) {
        const v = img.data[p * 3 + c]!;
        mean[c]! += v;
        sq[c]! += v * v;
      }
    }
    const m = mean.map((v) => v / Math.max(1, n));
    return { mean: m, std: sq.map((v, c) => Math.sqrt(Math.max(0, v / Math.max(1, n) - m[c]! ** 2))) };
  };
  const s = stats(source);
  const t = stats(target);
  const gain = s.std.map((sd, c) => Math.min(2, Math.max(0.5, sd > 1e-6 ? t.std[c]! / sd : 1)));
  const out = new Float32Array(source.data.length);
  for (let p = 0; p < mask.data.length; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (source.data[p * 3 + c]! - s.mean[c]!) * gain[c]! + t.mean[c]!;
      out[p * 3 + c] = Math.min(255, Math.max(0, v));
    }
  }
  return { image: { data: out, width: source.width, height: source.height }, match: { sourceMean: s.mean, targetMean: t.mean, gain } };
}
