/**
 * The thread counts rfm.js suggests to the backend line of a command, from the multiply-adds of
 * the forward passes its model runs (`backboneMultiplyAdds` of `@rfm/models`): for training
 * (`train`, `compare`) and for inference (`fam`, `erase`, `eval`, `predict`).
 *
 * @packageDocumentation
 */
import { suggestedTensorflowThreads, suggestedWasmThreads } from '@rfm/backend';
import { backboneMultiplyAdds } from '@rfm/models';
import type { ThreadsSuggestion } from './backend-flag.js';
import type { TrainConfig } from './train-config.js';

/**
 * The thread counts rfm.js suggests for a run's model, from the multiply-adds of a forward pass
 * over a training batch (`backboneMultiplyAdds` times the batch):
 * - tensorflow: one intra-op thread under `ONE_THREAD_MAX_MULTIPLY_ADDS` (4 G; the quick preset's
 *   model, Xception width 0.25 at 128 px), where TensorFlow's second thread costs more than it
 *   gives on a 2-vCPU machine (`@rfm/backend`'s `suggestedTensorflowThreads`); otherwise none
 *   (TensorFlow's own count, one per core);
 * - wasm: one XNNPACK thread per core from `WASM_THREADS_MIN_MULTIPLY_ADDS` (2.5 G; the paper
 *   preset's model) on (`suggestedWasmThreads`); otherwise none (one thread).
 *
 * @param config - the run's configuration
 * @param cores - cores for wasm's threads (default: `os.availableParallelism()`)
 * @throws what creating the backbone would throw for an unknown name or invalid options
 * @example
 * ```ts
 * modelThreadsSuggestion({ backbone: 'xception', backboneOptions: { widthMultiplier: 0.25, inputSize: 128 }, batch: 16 }, 2);
 * // { tensorflow: { threads: 1, reason: 'the choice for a small model (1.6 G multiply-adds per batch)' } }
 * modelThreadsSuggestion({ backbone: 'xception', backboneOptions: { inputSize: 224 }, batch: 16 }, 2);
 * // { wasm: { threads: 2, reason: 'one per core, the choice for a large model (73 G multiply-adds per batch)' } }
 * ```
 */
export function modelThreadsSuggestion(config: Pick<TrainConfig, 'backbone' | 'backboneOptions' | 'batch'>, cores?: number): ThreadsSuggestion {
  const multiplyAdds = backboneMultiplyAdds(config.backbone, config.backboneOptions) * config.batch;
  const perBatch = `${gigaMultiplyAdds(multiplyAdds)} per batch`;
  const tensorflow = suggestedTensorflowThreads(multiplyAdds);
  return {
    ...(tensorflow === undefined ? {} : { tensorflow: { threads: tensorflow, reason: `the choice for a small model (${perBatch})` } }),
    ...wasmThreadsSuggestion(multiplyAdds, perBatch, cores),
  };
}

/**
 * The thread counts rfm.js suggests for an inference command (`fam`, `erase`, `eval`, `predict`)
 * that runs `model` on batches of `batch` images: one wasm thread per core when a forward pass
 * over a batch takes `WASM_THREADS_MIN_MULTIPLY_ADDS` (2.5 G) or more, as for training (a full
 * Xception at 224 px, 4.6 G per image: its forward pass on one image took 175-176 ms on 2
 * threads against 234-239 ms on one, its FAM pass 386-398 against 516-517 ms). TensorFlow keeps
 * its own count: its one-thread rule was measured on training steps only.
 *
 * @param model - the backbone and its options, or undefined when unknown (then no suggestion)
 * @param batch - images per forward pass
 * @param cores - cores for wasm's threads (default: `os.availableParallelism()`)
 * @throws what creating the backbone would throw for an unknown name or invalid options
 * @example
 * ```ts
 * inferenceThreadsSuggestion({ backbone: 'xception', backboneOptions: { inputSize: 224 } }, 1, 2);
 * // { wasm: { threads: 2, reason: 'one per core, the choice for a large model (4.6 G multiply-adds per batch of 1)' } }
 * ```
 */
export function inferenceThreadsSuggestion(
  model: Pick<TrainConfig, 'backbone' | 'backboneOptions'> | undefined,
  batch: number,
  cores?: number,
): ThreadsSuggestion {
  if (model === undefined) return {};
  const multiplyAdds = backboneMultiplyAdds(model.backbone, model.backboneOptions) * batch;
  return wasmThreadsSuggestion(multiplyAdds, `${gigaMultiplyAdds(multiplyAdds)} per batch of ${batch}`, cores);
}

/** `1.6 G multiply-adds`: two significant digits. */
function gigaMultiplyAdds(multiplyAdds: number): string {
  return `${(multiplyAdds / 1e9).toPrecision(2)} G multiply-adds`;
}

/** The wasm member of a suggestion, when `suggestedWasmThreads` gives one. */
function wasmThreadsSuggestion(multiplyAdds: number, amount: string, cores: number | undefined): ThreadsSuggestion {
  const wasm = suggestedWasmThreads(multiplyAdds, cores);
  return wasm === undefined ? {} : { wasm: { threads: wasm, reason: `one per core, the choice for a large model (${amount})` } };
}
