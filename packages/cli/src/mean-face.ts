/**
 * The mean face of a set of normalised images (the background of the paper's Fig. 7), accumulated
 * batch by batch; optionally each face is mirrored with probability 0.5, matching flipped
 * attention averages.
 *
 * @packageDocumentation
 */
import type { Rng } from '@rfm/core';
import type { NormalizedImage } from './images/png.js';

/** Accumulates square normalised HWC faces and returns their mean. */
export class MeanFace {
  private readonly sum: Float64Array;
  private count = 0;

  /**
   * @param size - side of the square faces in pixels
   * @param rng - when given, each face is mirrored left-right with probability 0.5 (one draw per face)
   */
  constructor(
    private readonly size: number,
    private readonly rng: Rng | null = null,
  ) {
    this.sum = new Float64Array(size * size * 3);
  }

  /**
   * Adds `count` faces stored one after another in `images` (`[count, size, size, 3]`).
   *
   * @param images - normalised pixel values
   * @param count - faces in `images`
   */
  add(images: Float32Array, count: number): void {
    const size = this.size;
    const n = size * size * 3;
    for (let i = 0; i < count; i++) {
      const mirrored = this.rng ? this.rng.next() < 0.5 : false;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const src = i * n + (y * size + (mirrored ? size - 1 - x : x)) * 3;
          const dst = (y * size + x) * 3;
          this.sum[dst]! += images[src]!;
          this.sum[dst + 1]! += images[src + 1]!;
          this.sum[dst + 2]! += images[src + 2]!;
        }
      }
    }
    this.count += count;
  }

  /** The mean of the faces added so far (all zeros before the first). */
  result(): NormalizedImage {
    const c = Math.max(1, this.count);
    return { data: Float32Array.from(this.sum, (v) => v / c), height: this.size, width: this.size };
  }
}
