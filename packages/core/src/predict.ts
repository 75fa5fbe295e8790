/**
 * Scoring a finite dataset with a backbone in inference mode.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { fakeProbability, logitGap, type Backbone } from './backbone.js';
import type { EvalSource } from './batches.js';
import { compiledForward } from './compiled-forward.js';

/**
 * Scores a batch in inference mode: P(fake) and the logit gap of each image. On native TensorFlow
 * the forward pass runs as one compiled graph once it has repeated for this backbone and batch
 * shape (see {@link compiledForward}).
 *
 * @param backbone - the detector
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @returns `[P(fake), O_fake - O_real]`, each `[B]`, new tensors owned by the caller
 * @example
 * ```ts
 * const [scores, gaps] = scoreBatch(backbone, images);
 * ```
 */
export function scoreBatch(backbone: Backbone, images: tf.Tensor4D): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const logits = compiledForward(backbone, (x) => backbone.apply(x, false), images, 'logits');
    return [fakeProbability(logits, backbone.config.patchScore), logitGap(logits)];
  });
}

/** Per-image predictions over a dataset, in the source's order. */
export interface Predictions {
  /** Ground truth, 0 = real, 1 = fake. */
  readonly labels: number[];
  /** P(fake) (softmax; patch models aggregate with the backbone's `patchScore`). */
  readonly scores: number[];
  /** `O_fake - O_real` (mean over patches): monotone in P(fake) but never saturates (spec §2.11). */
  readonly logitGaps: number[];
  /** Technique per image (`real` for reals) when the source provides it. */
  readonly techniques: string[];
  /** Identifier per image when the source provides it. */
  readonly ids: string[];
}

/**
 * Runs the backbone in inference mode over every batch of `source`.
 *
 * @param backbone - the detector
 * @param source - evaluation data
 * @param batchSize - images per forward pass
 * @param onBatch - called after each batch with the number of images done
 */
export async function predict(
  backbone: Backbone,
  source: EvalSource,
  batchSize: number,
  onBatch?: (done: number, total: number) => void,
): Promise<Predictions> {
  const out: Predictions = { labels: [], scores: [], logitGaps: [], techniques: [], ids: [] };
  for await (const batch of source.batches(batchSize)) {
    const [scores, gaps] = scoreBatch(backbone, batch.images);
    out.scores.push(...(await scores.data()));
    out.logitGaps.push(...(await gaps.data()));
    out.labels.push(...(await batch.labels.data()));
    const n = batch.images.shape[0];
    out.techniques.push(...(batch.techniques ?? Array.from({ length: n }, (_, i) => (out.labels[out.labels.length - n + i] === 1 ? 'fake' : 'real'))));
    out.ids.push(...(batch.ids ?? Array.from({ length: n }, () => '')));
    tf.dispose([scores, gaps, batch.images, batch.labels]);
    onBatch?.(out.labels.length, source.size);
  }
  return out;
}
