/**
 * Five-point similarity alignment of a face to a canonical template, with margin and output size.
 *
 * @packageDocumentation
 */
import { requireOption } from '@rfm/core';
import type { DecodedImage } from '@rfm/data';
import type { DetectedFace, Point } from './face-detector.js';

/**
 * Canonical positions of the five points (subject's right eye centre, left eye centre, nose tip,
 * right and left mouth corner, i.e. image-left first) in a 112x112 face box: the widely used
 * ArcFace template (Deng et al., CVPR 2019), also DeepfakeBench's.
 */
export const CANONICAL_FIVE_POINTS: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Side of the box {@link CANONICAL_FIVE_POINTS} is expressed in. */
export const CANONICAL_BOX = 112;

/** Options of {@link alignFace}. */
export interface AlignOptions {
  /**
   * Output side in pixels (square crops).
   * @default 256
   */
  readonly size?: number;
  /**
   * Context around the face: the template's 112 px box fills `size / margin` pixels of the crop.
   * @default 1.3
   */
  readonly margin?: number;
}

/** Defaults of {@link AlignOptions} (DeepfakeBench's). */
export const ALIGN_DEFAULTS: Required<AlignOptions> = { size: 256, margin: 1.3 };

/**
 * Validates alignment options.
 *
 * @param options - user options
 * @throws `InvalidOptionError` naming the bad option
 */
export function resolveAlignOptions(options: AlignOptions = {}): Required<AlignOptions> {
  const o = { size: options.size ?? ALIGN_DEFAULTS.size, margin: options.margin ?? ALIGN_DEFAULTS.margin };
  requireOption(Number.isInteger(o.size) && o.size >= 16 && o.size <= 4096, 'size', o.size, 'an integer in [16, 4096]');
  requireOption(typeof o.margin === 'number' && o.margin >= 1 && o.margin <= 4, 'margin', o.margin, 'a number in [1, 4]');
  return o;
}

/** A 2D similarity transform `x' = a x - b y + tx`, `y' = b x + a y + ty`. */
export interface Similarity {
  /** `scale * cos(angle)`. */
  readonly a: number;
  /** `scale * sin(angle)`. */
  readonly b: number;
  /** Translation x. */
  readonly tx: number;
  /** Translation y. */
  readonly ty: number;
}

/**
 * The five alignment points from 68 iBUG landmarks: the centres of the two eyes (means of points
 * 36-41 and 42-47), the nose tip (30) and the mouth corners (48, 54), image-left first.
 *
 * @param landmarks - 68 points
 * @throws `InvalidOptionError` when there are not 68 points
 */
export function fivePoints(landmarks: readonly Point[]): Point[] {
  requireOption(landmarks.length === 68, 'landmarks', `${landmarks.length} points`, '68 points');
  const mean = (from: number, to: number): Point => {
    let x = 0;
    let y = 0;
    for (let i = from; i <= to; i++) {
      x += landmarks[i]![0];
      y += landmarks[i]![1];
    }
    return [x / (to - from + 1), y / (to - from + 1)];
  };
  return [mean(36, 41), mean(42, 47), landmarks[30]!, landmarks[48]!, landmarks[54]!];
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) taking
 * `from` onto `to`.
 *
 * @param from - source points
 * @param to - destination points, as many as `from` (at least 2)
 * @throws `InvalidOptionError` for fewer than 2 points, unequal counts, or coincident points
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  requireOption(from.length >= 2 && from.length === to.length, 'points', `${from.length} -> ${to.length}`, 'two equal lists of at least 2 points');
  const n = from.length;
  let mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (let i = 0; i < n; i++) {
    mfx += from[i]![0] / n;
    mfy += from[i]![1] / n;
    mtx += to[i]![0] / n;
    mty += to[i]![1] / n;
  }
  let ss = 0, sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    const fx = from[i]![0] - mfx, fy = from[i]![1] - mfy;
    const tx = to[i]![0] - mtx, ty = to[i]![1] - mty;
    ss += fx * fx + fy * fy;
    sa += fx * tx + fy * ty;
    sb += fx * ty - fy * tx;
  }
  requireOption(ss > 1e-9, 'points', 'all source points coincide', 'distinct points');
  const a = sa / ss;
  const b = sb / ss;
  return { a, b, tx: mtx - (a * mfx - b * mfy), ty: mty - (b * mfx + a * mfy) };
}

/**
 * Applies a similarity transform to a point.
 *
 * @param t - the transform
 * @param p - the point
 */
export function applySimilarity(t: Similarity, p: Point): Point {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/**
 * The inverse of a similarity transform.
 *
 * @param t - the transform (non-zero scale)
 */
export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Where the five canonical points land in a crop of `size` pixels with `margin`.
 *
 * @param options - size and margin
 */
export function templatePoints(options: AlignOptions = {}): Point[] {
  const { size, margin } = resolveAlignOptions(options);
  const scale = size / margin / CANONICAL_BOX;
  return CANONICAL_FIVE_POINTS.map(([x, y]) => [(x - CANONICAL_BOX / 2) * scale + size / 2, (y - CANONICAL_BOX / 2) * scale + size / 2]);
}

/** One aligned face. */
export interface AlignedFace {
  /** The square crop, `size x size` RGB. */
  readonly crop: DecodedImage;
  /** Source pixel -> crop pixel. */
  readonly transform: Similarity;
  /** The 68 landmarks in the crop's coordinates. */
  readonly cropLandmarks: Point[];
  /** The 68 landmarks in the source's coordinates. */
  readonly sourceLandmarks: Point[];
  /** The detection it came from. */
  readonly face: DetectedFace;
}

/**
 * Warps the face onto the canonical template: the similarity transform that takes its five points
 * closest (least squares) to {@link templatePoints}, bilinear sampling, black outside the source.
 *
 * @param image - the source frame or photo
 * @param face - a detection with 68 landmarks
 * @param options - size and margin
 */
export function alignFace(image: DecodedImage, face: DetectedFace, options: AlignOptions = {}): AlignedFace {
  const { size, margin } = resolveAlignOptions(options);
  const transform = fitSimilarity(fivePoints(face.landmarks), templatePoints({ size, margin }));
  const inv = invertSimilarity(transform);
  const { width: W, height: H, data: src } = image;
  const out = new Uint8Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      // Pixel centres: crop (u + 0.5, v + 0.5) comes from source (sx + 0.5, sy + 0.5).
      const cx = u + 0.5, cy = v + 0.5;
      const sx = inv.a * cx - inv.b * cy + inv.tx - 0.5;
      const sy = inv.b * cx + inv.a * cy + inv.ty - 0.5;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const o = (v * size + u) * 3;
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) {
          const x = x0 + (k & 1), y = y0 + (k >> 1);
          if (x < 0 || y < 0 || x >= W || y >= H) continue;
          const w = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
          acc += w * src[(y * W + x) * 3 + c]!;
        }
        out[o + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return {
    crop: { data: out, width: size, height: size },
    transform,
    cropLandmarks: face.landmarks.map((p) => applySimilarity(transform, p) as Point) as Point[],
    sourceLandmarks: face.landmarks.map((p) => [p[0], p[1]] as Point),
    face,
  };
}
