/**
 * Convex hulls of landmark points and their rasterisation into masks.
 *
 * @packageDocumentation
 */
import type { Point } from '@rfm/faces';
import { emptyMask, type Mask } from './mask.js';

/**
 * Convex hull of points (Andrew's monotone chain), counter-clockwise in image coordinates, without
 * repeated or collinear points.
 *
 * @param points - any points (at least one)
 */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/**
 * Scales points about their centroid.
 *
 * @param points - the points
 * @param factor - 1 keeps them; 1.5 moves each point half as far again from the centroid
 */
export function scaleAboutCentroid(points: readonly Point[], factor: number): Point[] {
  let cx = 0;
  let cy = 0;
  for (const p of points) {
    cx += p[0] / points.length;
    cy += p[1] / points.length;
  }
  return points.map((p) => [cx + (p[0] - cx) * factor, cy + (p[1] - cy) * factor] as const);
}

/**
 * Rasterises a simple polygon (even-odd rule) into a binary mask: a pixel is inside when its centre
 * `(x + 0.5, y + 0.5)` is.
 *
 * @param polygon - vertices in pixels, in order (closed implicitly)
 * @param width - mask columns
 * @param height - mask rows
 * @param into - a mask to set pixels in (default a new empty one)
 */
export function fillPolygon(polygon: readonly Point[], width: number, height: number, into: Mask = emptyMask(width, height)): Mask {
  const n = polygon.length;
  if (n < 3) return into;
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < n; i++) {
      const a = polygon[i]!;
      const b = polygon[(i + 1) % n]!;
      if ((a[1] <= cy && b[1] > cy) || (b[1] <= cy && a[1] > cy)) {
        xs.push(a[0] + ((cy - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
      }
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(width - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) into.data[y * width + x] = 1;
    }
  }
  return into;
}

/**
 * The filled convex hull of points.
 *
 * @param points - landmark points in pixels
 * @param width - mask columns
 * @param height - mask rows
 */
export function hullMask(points: readonly Point[], width: number, height: number): Mask {
  return fillPolygon(convexHull(points), width, height);
}
