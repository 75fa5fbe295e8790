/**
 * What the trainer needs from a dataset: a stream of training batches and a finite evaluation set.
 * `@rfm/data` implements both for image folders and CSV manifests.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';

/** One batch of normalised images. The receiver owns (and disposes) the tensors. */
export interface Batch {
  /** `[B, H, W, 3]` float32, normalised. */
  readonly images: tf.Tensor4D;
  /** `[B]` int32, 0 = real, 1 = fake. */
  readonly labels: tf.Tensor1D;
  /** Per-image forgery technique (`real` for real images), when known. */
  readonly techniques?: readonly string[];
  /** Per-image identifier (usually the file path relative to the dataset root). */
  readonly ids?: readonly string[];
}

/** An endless, seeded stream of training batches. */
export interface BatchSource {
  /** The next batch (augmented: crop, flip, normalise). */
  next(): Promise<Batch>;
  /** Serialisable position of the stream, for checkpoints. */
  getState(): unknown;
  /** Restores a state returned by {@link BatchSource.getState}. */
  setState(state: unknown): void;
}

/** A finite labelled set evaluated in a fixed order. */
export interface EvalSource {
  /** Number of images. */
  readonly size: number;
  /** Batches in a fixed order, with deterministic (evaluation) transforms. */
  batches(batchSize: number): AsyncIterable<Batch>;
}
