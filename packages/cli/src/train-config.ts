/**
 * The resolved configuration of an `rfm train` run, its presets, and its file `RUN_DIR/config.json`
 * (read back by `--resume`, `eval` and `erase --model`).
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
