/**
 * Loading and splitting a dataset for a run, with the sources the trainer and evaluation read.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import type { BatchSource, Logger, Rng } from '@rfm/core';
import { FaceDetector } from '@rfm/faces';
import { createSbiSources } from '@rfm/synth';
import {
  countItems,
  createBalancedSource,
  createEvalSource,
  datasetHash,
  ImageStore,
  loadDataset,
  requireBothClasses,
  splitDataset,
  type BalancedBatchSource,
  type Dataset,
  type DatasetEvalSource,
  type DatasetItem,
  type DatasetSplits,
  type SkippedImage,
} from '@rfm/data';
import type { TrainConfig } from './train-config.js';

/** A dataset ready for training: splits, sources and facts for the run log. */
export interface RunData {
  /** The loaded dataset. */
  readonly dataset: Dataset;
  /** Its content hash. */
  readonly hash: string;
  /** Train/validation/test items. */
  readonly splits: DatasetSplits;
  /** Training batches (balanced dataset batches, or self-blended pairs with `fakes: 'sbi'`). */
  readonly train: BalancedBatchSource | BatchSource;
  /** Validation split. */
  readonly validation: DatasetEvalSource;
  /** Test split. */
  readonly test: DatasetEvalSource;
  /** Files skipped as unreadable (with `skipBadImages`). */
  readonly skipped: readonly SkippedImage[];
}

/** Counts per split, for logs. */
export function describeSplits(splits: DatasetSplits): Record<string, ReturnType<typeof countItems>> {
  return { train: countItems(splits.train), validation: countItems(splits.validation), test: countItems(splits.test) };
}

/**
 * Decoded images shared by the runs of one process (the methods of `rfm compare`): one
 * {@link ImageStore} per resize side and bad-file policy, so that a dataset is decoded once, not
 * once per run. Its images are never modified (see `ImageStore.load`), so runs that share them
 * read the same pixels as runs that do not.
 */
export class RunImageStores {
  private readonly stores = new Map<string, ImageStore>();

  /**
   * The store for a run's resize side and bad-file policy (made on first use).
   *
   * @param config - the run configuration
   * @param logger - receives skipped-file warnings (the first run's logger serves later runs)
   */
  storeFor(config: Pick<TrainConfig, 'resize' | 'skipBadImages'>, logger: Logger): ImageStore {
    const onBadImage = config.skipBadImages ? 'skip' : 'throw';
    const key = `${config.resize}:${onBadImage}`;
    let store = this.stores.get(key);
    if (store === undefined) {
      store = new ImageStore({ resize: config.resize, onBadImage, logger });
      this.stores.set(key, store);
    }
    return store;
  }
}

/**
 * Loads the run's dataset, splits it (group-safe, seeded by the run seed) and builds the sources.
 *
 * @param config - the run configuration
 * @param rng - generator of the training stream (crops, flips, order)
 * @param logger - receives skipped-file warnings
 * @param stores - decoded images shared with other runs of this process (default: this run's own)
 */
export async function prepareRunData(config: TrainConfig, rng: Rng, logger: Logger, stores: RunImageStores = new RunImageStores()): Promise<RunData> {
  const dataset = await loadDataset(resolve(config.data), { logger });
  const splits = splitDataset(dataset, {
    seed: config.split.seed,
    fractions: { train: 1 - config.split.validation - config.split.test, validation: config.split.validation, test: config.split.test },
  });
  const transform = { resize: config.resize, crop: config.backboneOptions.inputSize };
  const store = stores.storeFor(config, logger);
  const half = config.batch / 2;
  if (config.fakes === 'sbi') {
    const sbi = await createSbiSources(splits, rng, {
      store,
      transform,
      pairsPerBatch: half,
      detector: await FaceDetector.create(),
      logger,
      ...(config.synthesisLogEvery !== undefined ? { logEvery: config.synthesisLogEvery } : {}),
    });
    const skipped = sbi.faceless.map((f) => ({ ...f, reason: `no face: ${f.reason}` }));
    return { dataset, hash: await datasetHash(dataset), splits, train: sbi.train, validation: sbi.validation, test: sbi.test, skipped };
  }
  // Every split is checked for both classes after unreadable files are skipped, before training starts.
  const validation = await createEvalSource(splits.validation, { store, transform });
  requireBothClasses('validation', validation.items, dataset.source, validation.skipped.length);
  const test = await createEvalSource(splits.test, { store, transform });
  requireBothClasses('test', test.items, dataset.source, test.skipped.length);
  const trainCheck = await store.check(splits.train);
  requireBothClasses('train', trainCheck.usable, dataset.source, trainCheck.skipped.length);
  const train = await createBalancedSource(trainCheck.usable, rng, { store, transform, realPerBatch: half, fakePerBatch: half });
  const skipped = [...trainCheck.skipped, ...validation.skipped, ...test.skipped];
  // The hash covers the images the run reads; skipped files are listed in the run log instead.
  const skippedIds = new Set(skipped.map((s) => s.id));
  const hash = await datasetHash(dataset.items.filter((it) => !skippedIds.has(it.id)));
  return { dataset, hash, splits, train, validation, test, skipped };
}

/**
 * An evaluation source over `items` with a run's transforms.
 *
 * @param items - images to score
 * @param config - the run configuration (resize and crop)
 * @param skipBad - skip unreadable files instead of failing
 * @param logger - receives skipped-file warnings
 */
export async function evalSourceFor(items: readonly DatasetItem[], config: Pick<TrainConfig, 'resize' | 'backboneOptions'>, skipBad: boolean, logger: Logger): Promise<DatasetEvalSource> {
  return createEvalSource(items, {
    transform: { resize: config.resize, crop: config.backboneOptions.inputSize },
    onBadImage: skipBad ? 'skip' : 'throw',
    logger,
  });
}

/**
 * Splits a dataset as a run with these split settings did (group-safe, stable): the same
 * train/validation/test items as {@link prepareRunData}.
 *
 * @param dataset - the run's dataset
 * @param split - the run's validation and test fractions and split seed
 */
export function splitForRun(dataset: Dataset, split: TrainConfig['split']): DatasetSplits {
  return splitDataset(dataset, { seed: split.seed, fractions: { train: 1 - split.validation - split.test, validation: split.validation, test: split.test } });
}
