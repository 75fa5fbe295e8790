/**
 * A rough estimate of the memory one training iteration needs, from the backbone's layer output
 * shapes: warns before a run asks for more than the machine has (e.g. `--size 4096`).
 *
 * @packageDocumentation
 */
import type { Backbone } from './backbone.js';

/** Bytes per float32 value. */
const FLOAT_BYTES = 4;

/** An estimate of {@link estimateTrainingMemory}. */
export interface TrainingMemoryEstimate {
  /** Bytes of the activations kept for the backward pass and their gradients. */
  readonly activationBytes: number;
  /** Bytes of the weights, their gradients and Adam's two moments. */
  readonly parameterBytes: number;
  /** The sum: what one iteration needs at its peak, roughly. */
  readonly totalBytes: number;
}

/**
 * Estimates the peak memory of one training iteration: every layer's output is kept for the
 * backward pass and gets a gradient of the same size, plus about one more copy of temporaries
 * (3 float32 values per activation); every parameter exists four times (weights, gradients, Adam's
 * first and second moments). A rough guide (within a factor of about two), not a bound.
 *
 * @param backbone - a built backbone (layers models are inspected; others count parameters only)
 * @param batch - images per batch
 */
export function estimateTrainingMemory(backbone: Backbone, batch: number): TrainingMemoryEstimate {
  let perImage = 0;
  const layers = (backbone.model as { layers?: { outputShape?: unknown }[] }).layers ?? [];
  for (const layer of layers) {
    let shapes: unknown;
    try {
      shapes = layer.outputShape;
    } catch {
      continue;
    }
    const list = Array.isArray(shapes) && Array.isArray(shapes[0]) ? (shapes as unknown[][]) : [shapes as unknown[]];
    for (const shape of list) {
      if (!Array.isArray(shape)) continue;
      perImage += shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
    }
  }
  const inputSide = backbone.config.inputSize;
  perImage += inputSide * inputSide * 3;
  const activationBytes = 3 * perImage * batch * FLOAT_BYTES;
  const parameterBytes = 4 * backbone.countParams().total * FLOAT_BYTES;
  return { activationBytes, parameterBytes, totalBytes: activationBytes + parameterBytes };
}
