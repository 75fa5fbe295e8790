/**
 * Which faces of an image to keep.
 *
 * @packageDocumentation
 */
import type { DetectedFace } from './face-detector.js';

/** `largest`: the one largest face; `all`: every face at least half as large (side length) as the largest. */
export type FaceSelection = 'largest' | 'all';

/**
 * Keeps the largest face, or every face whose box side (square root of its area) is at least half
 * the largest one's, largest first.
 *
 * @param faces - detections in any order
 * @param selection - `largest` or `all`
 */
export function selectFaces(faces: readonly DetectedFace[], selection: FaceSelection): DetectedFace[] {
  const side = (f: DetectedFace): number => Math.sqrt(f.box.width * f.box.height);
  const sorted = [...faces].sort((a, b) => side(b) - side(a));
  if (sorted.length === 0) return [];
  if (selection === 'largest') return [sorted[0]!];
  const largest = side(sorted[0]!);
  return sorted.filter((f) => side(f) >= largest / 2);
}
