/**
 * The resolved configuration of an `rfm train` run, its presets, and its file `RUN_DIR/config.json`
 * (read back by `--resume`, `eval` and `erase --model`).
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suggestedTensorflowThreads, suggestedWasmThreads } from '@rfm/backend';
import { backboneMultiplyAdds } from '@rfm/models';
import type { ThreadsSuggestion } from './backend-flag.js';
import type { ErasingMethodOptions } from './erasing-methods.js';
import { CheckpointError, writeFileAtomic, type BackboneFactoryOptions, type TrainerOptions } from '@rfm/core';

/** Everything that defines a training run. */
export interface TrainConfig {
  /** Absolute path of the dataset folder or manifest. */
  readonly data: string;
  /** Registry name of the backbone. */
  readonly backbone: string;
  /** Backbone factory options (`inputSize` always set). */
  readonly backboneOptions: BackboneFactoryOptions & { readonly inputSize: number };
  /** Side images are resized to before cropping (256 for a 224 crop). */
  readonly resize: number;
  /** Images per batch, half real and half fake. */
  readonly batch: number;
  /** Augmentation plugins, in order (empty = plain baseline). */
  readonly augment: readonly string[];
  /** Options per augmentation plugin (blocks, maxSize, probability; absent = the method's defaults). */
  readonly augmentOptions?: Readonly<Record<string, Omit<ErasingMethodOptions, 'inputSize'>>>;
  /** Seed of every random choice. */
  readonly seed: number;
  /** Fractions of the data held out for validation and test, and the seed of the split (kept apart from the training seed so that changing the latter keeps the split). */
  readonly split: { readonly validation: number; readonly test: number; readonly seed: number };
  /** Skip unreadable images instead of failing. */
  readonly skipBadImages: boolean;
  /** Trainer options. */
  readonly trainer: Required<Pick<TrainerOptions, 'iterations' | 'learningRate' | 'floodLevel' | 'evalEvery' | 'checkpointEvery' | 'selectOn' | 'seed'>> &
    Pick<TrainerOptions, 'microBatch'>;
  /** Preset the run started from. */
  readonly preset: PresetName;
  /**
   * Where training fakes come from: absent = the dataset's fakes; `sbi` = self-blended fakes made
   * on the fly from the training reals (`@rfm/synth`), validated on fixed self-blended fakes.
   */
  readonly fakes?: 'sbi';
  /** With `fakes: 'sbi'`: run.jsonl records the synthesis parameters of every K-th batch (default 10). */
  readonly synthesisLogEvery?: number;
}

/** Named starting points. */
export type PresetName = 'quick' | 'paper';

/** Values a preset sets (flags override them). */
export interface Preset {
  /** Backbone name. */
  readonly backbone: string;
  /** Backbone factory options besides the input size (used when `--backbone` keeps the preset's). */
  readonly backboneOptions: Readonly<Record<string, unknown>>;
  /** Input side. */
  readonly size: number;
  /** Side images are resized to before the crop of `size` (used when `--size` keeps the preset's). */
  readonly resize: number;
  /** Iterations. */
  readonly iterations: number;
  /** Batch size. */
  readonly batch: number;
  /** Evaluate (and maybe save) every K iterations. */
  readonly evalEvery: number;
  /** Augmentations. */
  readonly augment: readonly string[];
  /** Adam learning rate. */
  readonly learningRate: number;
}

/**
 * `quick`: tuned on the validation split of the bundled `data/ffhq-tpdne-4k` (faces of 112 px,
 * resized to 96 px, no crop: flips only) to finish within 4 minutes on a 2-core CPU with wasm:
 * `small` with 4 separable blocks, 96 px, 600 iterations of 16, Adam 2e-3 (validation AUC 0.952
 * with seed 5; 0.924 and 0.932 with seeds 6 and 7).
 * `paper`: the paper's setting (Xception, 224 px crops of 256 px faces, batch 8+8, Adam 2e-4,
 * flooding 0.04, 350k iterations, validation every 3000, SFE erasing).
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  quick: { backbone: 'small', backboneOptions: { depth: 4 }, size: 96, resize: 96, iterations: 600, batch: 16, evalEvery: 200, augment: [], learningRate: 2e-3 },
  paper: { backbone: 'xception', backboneOptions: {}, size: 224, resize: 256, iterations: 350_000, batch: 16, evalEvery: 3000, augment: ['sfe'], learningRate: 2e-4 },
};

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

/** The resize side for a crop: 256 for 224, scaled proportionally otherwise. */
export function resizeForCrop(size: number): number {
  return Math.round((size * 256) / 224);
}

/** Writes `RUN_DIR/config.json` atomically. */
export function writeTrainConfig(runDir: string, config: TrainConfig): void {
  writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Reads `RUN_DIR/config.json`.
 *
 * @throws {@link CheckpointError} when it is missing or unreadable
 */
export function readTrainConfig(runDir: string): TrainConfig {
  const path = join(runDir, 'config.json');
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TrainConfig;
  } catch (e) {
    throw new CheckpointError(`Cannot read ${path} (${(e as Error).message}); is ${runDir} an rfm train --out folder?`, { cause: e });
  }
}
