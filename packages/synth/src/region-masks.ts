/**
 * Face-region masks from the 68 iBUG landmarks: the face hull and its variants (for blending), and
 * the eyes / nose / mouth / skin partition of the face (for the less-forgery sets).
 *
 * @packageDocumentation
 */
import { requireOption } from '@rfm/core';
import type { Point } from '@rfm/faces';
import { intersectMasks, subtractMask, unionMasks, type Mask } from './mask.js';
import { fillPolygon, hullMask, scaleAboutCentroid, convexHull } from './polygon.js';

/**
 * Hull variants a blend mask starts from (after SBI's and Face X-ray's use of several hull shapes):
 * - `hull`: convex hull of all 68 points (jaw to brows);
 * - `extended`: the hull with the brows raised by half the nose length, reaching into the forehead;
 * - `inner`: hull of brows, eyes, nose and mouth (no jaw line), a tighter central face;
 * - `components`: union of the hulls of the two face halves and of the nose-mouth-chin part, a
 *   non-convex outline.
 */
export const HULL_VARIANTS = ['hull', 'extended', 'inner', 'components'] as const;

/** One of {@link HULL_VARIANTS}. */
export type HullVariant = (typeof HULL_VARIANTS)[number];

/** The four regions of the less-forgery sets (paper §4.4, Table 6). */
export const FACE_REGIONS = ['eyes', 'nose', 'mouth', 'skin'] as const;

/** One of {@link FACE_REGIONS}. */
export type FaceRegion = (typeof FACE_REGIONS)[number];

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function pick(landmarks: readonly Point[], indices: readonly number[]): Point[] {
  return indices.map((i) => landmarks[i]!);
}

function check68(landmarks: readonly Point[]): void {
  requireOption(landmarks.length === 68, 'landmarks', `${landmarks.length} points`, '68 iBUG points (from @rfm/faces)');
}

/**
 * A binary blend mask of a hull variant.
 *
 * @param landmarks - 68 points in the image's pixels
 * @param width - image columns
 * @param height - image rows
 * @param variant - which outline (default `hull`)
 * @throws `InvalidOptionError` when there are not 68 points
 */
export function faceHullMask(landmarks: readonly Point[], width: number, height: number, variant: HullVariant = 'hull'): Mask {
  check68(landmarks);
  switch (variant) {
    case 'hull':
      return hullMask(landmarks, width, height);
    case 'extended': {
      const bridge = landmarks[27]!;
      const tip = landmarks[30]!;
      const up: Point = [(bridge[0] - tip[0]) * 0.5, (bridge[1] - tip[1]) * 0.5];
      const raised = pick(landmarks, range(17, 26)).map((p) => [p[0] + up[0], p[1] + up[1]] as const);
      return hullMask([...landmarks, ...raised], width, height);
    }
    case 'inner':
      return hullMask(pick(landmarks, range(17, 67)), width, height);
    case 'components': {
      const right = hullMask(pick(landmarks, [...range(0, 8), ...range(17, 21), ...range(27, 30), 33]), width, height);
      const left = hullMask(pick(landmarks, [...range(8, 16), ...range(22, 26), ...range(27, 30), 33]), width, height);
      const centre = hullMask(pick(landmarks, [...range(5, 11), ...range(29, 35), ...range(48, 59)]), width, height);
      return unionMasks(right, left, centre);
    }
    default:
      requireOption(false, 'variant', variant, HULL_VARIANTS.join(' | '));
  }
}

/** The face hull and its partition into the four {@link FACE_REGIONS}. */
export interface RegionMasks {
  /** Convex hull of all 68 points. */
  readonly face: Mask;
  /** Both eyes with their surroundings (eye hulls scaled 1.8x). */
  readonly eyes: Mask;
  /** The nose (hull of points 27-35 scaled 1.25x) minus the eyes. */
  readonly nose: Mask;
  /** The outer lip outline (points 48-59 scaled 1.2x) minus eyes and nose. */
  readonly mouth: Mask;
  /** The face hull minus the other three. */
  readonly skin: Mask;
}

/**
 * Binary masks of the eyes, nose, mouth and skin: pairwise disjoint by construction (each later
 * region has the earlier ones removed), each inside the face hull, their union the hull.
 *
 * @param landmarks - 68 points in the image's pixels
 * @param width - image columns
 * @param height - image rows
 * @throws `InvalidOptionError` when there are not 68 points
 */
export function regionMasks(landmarks: readonly Point[], width: number, height: number): RegionMasks {
  check68(landmarks);
  const face = hullMask(landmarks, width, height);
  const scaledHull = (indices: number[], factor: number): Mask =>
    fillPolygon(convexHull(scaleAboutCentroid(pick(landmarks, indices), factor)), width, height);
  const eyes = intersectMasks(unionMasks(scaledHull(range(36, 41), 1.8), scaledHull(range(42, 47), 1.8)), face);
  const nose = subtractMask(intersectMasks(scaledHull(range(27, 35), 1.25), face), eyes);
  const mouth = subtractMask(subtractMask(intersectMasks(scaledHull(range(48, 59), 1.2), face), eyes), nose);
  const skin = subtractMask(subtractMask(subtractMask(face, eyes), nose), mouth);
  return { face, eyes, nose, mouth, skin };
}
