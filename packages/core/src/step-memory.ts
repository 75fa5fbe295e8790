/**
 * How much memory a training step of a backbone needs, and the micro-batch that keeps it inside a
 * backend's limit (the wasm backend's heap cannot grow past 4 GB: wasm32 addresses).
 *
 * The estimate is linear in the images of one micro-batch: `fixed + perImage · m`. `perImage` is
 * the sum of the network's layer outputs for one image (what the forward pass produces) times
 * {@link STEP_MEMORY_FACTORS}' `activations`: what the backward pass keeps of them (large
 * batch-norm outputs are rebuilt there instead of kept), their gradients and its kernels' scratch
 * space. `fixed` is the weights, their gradients and Adam's two moments, the concatenations of
 * the flat Adam step, plus the backend's own working set. The factors come from the wasm heap's
 * high-water mark after two training steps and a FAM pass, on the full Xception at 224 px with
 * 1, 2, 4, 8 and 16 images per step (864, 1,003, 1,174, 1,470 and 2,046 MB) and on Xception
 * width 0.25 at 128 px with 1, 4 and 16 (58, 100 and 206 MB): the estimate is 1.44-1.54 times
 * those at 224 px and more at width 0.25 (docs/memory-and-speed.md).
 *
 * @packageDocumentation
 */
import type { Backbone } from './backbone.js';
import { requireOption, RfmError } from './errors.js';

/** Bytes of a float32. */
const F32 = 4;

/** The wasm32 address space: the most the wasm backend's heap can grow to. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/**
 * Multipliers of the estimate (see the file comment): `activations` multiplies the bytes of all
 * layer outputs of one image; `parameters` multiplies the bytes of the weights; `baseBytes` is
 * the backend's working set independent of the model.
 */
export const STEP_MEMORY_FACTORS = { activations: 0.9, parameters: 12, baseBytes: 256 * 1024 ** 2 } as const;

/** What {@link estimateStepMemory} returns. */
export interface StepMemoryEstimate {
  /** Bytes that do not depend on the number of images. */
  readonly fixedBytes: number;
  /** Bytes per image of a training step (forward and backward). */
  readonly perImageBytes: number;
  /** Bytes of all layer outputs of one image (the basis of `perImageBytes`). */
  readonly layerOutputBytes: number;
  /** Bytes of all weights. */
  readonly parameterBytes: number;
}

/** Shapes of one layer's outputs, batch axis first (`null` where unknown). */
type OutputShape = readonly (number | null)[] | readonly (readonly (number | null)[])[];

/**
 * Estimates the memory of one training step (forward, backward and optimizer update) of
 * `backbone` as `fixedBytes + perImageBytes · images`.
 *
 * @param backbone - the network (its `model.layers` give the output shapes)
 */
export function estimateStepMemory(backbone: Pick<Backbone, 'model' | 'countParams'>): StepMemoryEstimate {
  let elements = 0;
  for (const layer of backbone.model.layers) {
    const shape = layer.outputShape as OutputShape;
    const shapes = Array.isArray(shape[0]) ? (shape as readonly (readonly (number | null)[])[]) : [shape as readonly (number | null)[]];
    for (const s of shapes) elements += s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  const layerOutputBytes = elements * F32;
  const parameterBytes = backbone.countParams().total * F32;
  return {
    fixedBytes: STEP_MEMORY_FACTORS.baseBytes + STEP_MEMORY_FACTORS.parameters * parameterBytes,
    perImageBytes: STEP_MEMORY_FACTORS.activations * layerOutputBytes,
    layerOutputBytes,
    parameterBytes,
  };
}

/** Bytes a step of `images` images needs according to `estimate`. */
export function stepBytes(estimate: StepMemoryEstimate, images: number): number {
  return estimate.fixedBytes + estimate.perImageBytes * images;
}

/**
 * A training step cannot fit in the backend's memory even one image at a time, or the requested
 * micro-batch does not fit. `code` is `RFM_MEMORY_BUDGET`; thrown before training starts.
 */
export class MemoryBudgetError extends RfmError {
  /**
   * @param message - one line: what does not fit, by how much, and what to use instead
   */
  constructor(message: string) {
    super('RFM_MEMORY_BUDGET', message);
  }
}

/** Inputs of {@link planMicroBatch}. */
export interface MicroBatchRequest {
  /** Images per optimisation step. */
  readonly batch: number;
  /** `auto` (the largest that fits), or a fixed micro-batch (at most `batch`). */
  readonly microBatch: number | 'auto';
  /** Memory a step may use, bytes (Infinity = no limit). */
  readonly budgetBytes: number;
  /** Name of the backend, for messages. */
  readonly backend: string;
  /** A description of the network for messages, e.g. `xception 224 px`. */
  readonly model: string;
}

/** What {@link planMicroBatch} chose. */
export interface MicroBatchPlan {
  /** Largest number of images in one forward/backward pass. */
  readonly microBatch: number;
  /** Passes per optimisation step, `ceil(batch / microBatch)`. */
  readonly passes: number;
  /** Estimated bytes of one pass. */
  readonly estimatedBytes: number;
  /** The budget it was planned against. */
  readonly budgetBytes: number;
}

const gb = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/**
 * Chooses the micro-batch of a step: with `auto`, the whole batch if it fits, else the largest
 * micro-batch (spread evenly over `ceil(batch / m)` passes) whose estimate fits the budget; a
 * fixed micro-batch is checked against the budget.
 *
 * @param estimate - from {@link estimateStepMemory}
 * @param request - batch, wanted micro-batch, budget
 * @throws {@link MemoryBudgetError} when nothing (or not the requested micro-batch) fits
 */
export function planMicroBatch(estimate: StepMemoryEstimate, request: MicroBatchRequest): MicroBatchPlan {
  const { batch, budgetBytes } = request;
  requireOption(Number.isInteger(batch) && batch >= 1, 'batch', batch, 'an integer >= 1');
  const wanted = request.microBatch;
  if (wanted !== 'auto') {
    requireOption(Number.isInteger(wanted) && wanted >= 1 && wanted <= batch, 'microBatch', wanted, `'auto' or an integer from 1 to the batch (${batch})`);
  }
  const fits = Math.floor((budgetBytes - estimate.fixedBytes) / estimate.perImageBytes);
  if (fits < 1) {
    throw new MemoryBudgetError(
      `A training step of ${request.model} needs about ${gb(stepBytes(estimate, 1))} even for one image, more than the ${gb(budgetBytes)} the ${request.backend} backend can use; ` +
        `use the tensorflow backend or a smaller input size or width.`,
    );
  }
  if (wanted !== 'auto' && wanted > fits) {
    throw new MemoryBudgetError(
      `A micro-batch of ${wanted} images of ${request.model} needs about ${gb(stepBytes(estimate, wanted))}, more than the ${gb(budgetBytes)} the ${request.backend} backend can use; ` +
        `use a micro-batch of at most ${fits} (or auto), or the tensorflow backend.`,
    );
  }
  const largest = wanted === 'auto' ? Math.min(batch, fits) : wanted;
  const passes = Math.ceil(batch / largest);
  const microBatch = Math.ceil(batch / passes);
  return { microBatch, passes, estimatedBytes: stepBytes(estimate, microBatch), budgetBytes };
}

/**
 * The memory a step may use on a backend: 85% of the 4 GB heap on `wasm` (the rest is the
 * allocator's fragmentation and the data pipeline's tensors); no limit elsewhere (native
 * TensorFlow and the cpu backend allocate from the process heap).
 *
 * @param backend - `tf.getBackend()`
 */
export function stepMemoryBudget(backend: string): number {
  return backend === 'wasm' ? 0.85 * WASM_HEAP_LIMIT_BYTES : Number.POSITIVE_INFINITY;
}
