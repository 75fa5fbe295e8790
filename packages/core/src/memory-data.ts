/**
 * In-memory data sources (`BatchSource`, `EvalSource`) over arrays of normalised images, and a
 * generator of synthetic labelled images: training without files or a decoder (examples, tests,
 * a plugin's first run).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchSource, EvalSource } from './batches.js';
import { createRng, type Rng, type RngState } from './rng.js';

/**
 * A labelled synthetic image set: fakes carry a bright square in a random place, reals do not,
 * so a small network can learn the difference in a few iterations.
 *
 * @param count - number of images (half real, half fake)
 * @param size - square side
 * @param seed - seed of the pixels
 */
export function createSyntheticImages(count: number, size: number, seed: number): { pixels: Float32Array[]; labels: number[] } {
  const rng = createRng(seed);
  const pixels: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    const img = rng.fill(new Float32Array(size * size * 3), -1, 1);
    if (label === 1) {
      const s = Math.max(2, Math.floor(size / 4));
      const top = rng.int(0, size - s);
      const left = rng.int(0, size - s);
      for (let r = top; r < top + s; r++) for (let c = left; c < left + s; c++) img.fill(2, (r * size + c) * 3, (r * size + c) * 3 + 3);
    }
    pixels.push(img);
    labels.push(label);
  }
  return { pixels, labels };
}

/** An endless seeded batch stream over in-memory images, with a restorable state. */
export class MemoryBatchSource implements BatchSource {
  private readonly rng: Rng;

  /**
   * @param pixels - images, each `size·size·3` normalised floats
   * @param labels - their labels
   * @param size - square side
   * @param batchSize - images per batch
   * @param seed - seed of the sampling order
   */
  constructor(
    private readonly pixels: readonly Float32Array[],
    private readonly labels: readonly number[],
    private readonly size: number,
    private readonly batchSize: number,
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  async next(): Promise<Batch> {
    const idx = Array.from({ length: this.batchSize }, () => this.rng.int(0, this.pixels.length - 1));
    const data = new Float32Array(this.batchSize * this.size * this.size * 3);
    idx.forEach((k, i) => data.set(this.pixels[k]!, i * this.size * this.size * 3));
    return {
      images: tf.tensor4d(data, [this.batchSize, this.size, this.size, 3]),
      labels: tf.tensor1d(idx.map((k) => this.labels[k]!), 'int32'),
    };
  }

  getState(): unknown {
    return this.rng.getState();
  }

  setState(state: unknown): void {
    this.rng.setState(state as RngState);
  }
}

/** A fixed-order evaluation source over in-memory images. */
export class MemoryEvalSource implements EvalSource {
  /**
   * @param pixels - images, each `size·size·3` normalised floats
   * @param labels - their labels
   * @param side - square side
   */
  constructor(
    private readonly pixels: readonly Float32Array[],
    private readonly labels: readonly number[],
    private readonly side: number,
  ) {}

  get size(): number {
    return this.pixels.length;
  }

  async *batches(batchSize: number): AsyncIterable<Batch> {
    for (let start = 0; start < this.pixels.length; start += batchSize) {
      const end = Math.min(this.pixels.length, start + batchSize);
      const data = new Float32Array((end - start) * this.side * this.side * 3);
      for (let k = start; k < end; k++) data.set(this.pixels[k]!, (k - start) * this.side * this.side * 3);
      yield {
        images: tf.tensor4d(data, [end - start, this.side, this.side, 3]),
        labels: tf.tensor1d(this.labels.slice(start, end), 'int32'),
        techniques: this.labels.slice(start, end).map((l) => (l === 1 ? 'fake' : 'real')),
      };
    }
  }
}
