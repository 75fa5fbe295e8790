/**
 * The three sources of a run trained on real faces alone: self-blended training pairs, a
 * validation set of reals with fixed self-blended fakes, and a test set (the dataset's own fakes
 * when it has any, else fixed self-blended ones).
 *
 * @packageDocumentation
 */
import { silentLogger, type Logger, type Rng } from '@rfm/core';
import { createEvalSource, type ImageStore, type DatasetEvalSource, type DatasetItem, type TransformOptions } from '@rfm/data';
import { NoFaceError } from './errors.js';
import { landmarkCacheFor, type LandmarkCache, type FacelessImage, type LandmarkDetector } from './landmark-cache.js';
import { SbiBatchSource } from './sbi-batch-source.js';
import { SelfBlendedStore } from './self-blended-store.js';
import type { SelfBlendOptions } from './self-blend.js';

/** Options of {@link createSbiSources}. */
export interface SbiSourcesOptions {
  /** Store of the real images, of size `transform.resize` (faces are detected at 256 px when it is smaller, landmarks scaled to it). */
  readonly store: ImageStore;
  /** Face and landmark detector. */
  readonly detector: LandmarkDetector;
  /** Resize, crop, flip, normalisation. */
  readonly transform?: TransformOptions;
  /** Reals per training batch (each with its fake). @default 8 */
  readonly pairsPerBatch?: number;
  /** Synthesis options. */
  readonly synthesis?: SelfBlendOptions;
  /** Record the synthesis parameters of every K-th training batch (see `SbiSourceOptions.logEvery`). */
  readonly logEvery?: number;
  /** Receives faceless-image warnings. */
  readonly logger?: Logger;
  /** Landmarks already found (its loader must be `store`). @default a new cache over `store` */
  readonly landmarks?: LandmarkCache;
}

/** What {@link createSbiSources} builds. */
export interface SbiSources {
  /** Training pairs (reals with landmarks and their fresh fakes). */
  readonly train: SbiBatchSource;
  /** Validation reals with landmarks and one fixed self-blended fake each. */
  readonly validation: DatasetEvalSource;
  /** The test split as is when it has fakes, else its reals with fixed self-blended fakes. */
  readonly test: DatasetEvalSource;
  /** Whether the test fakes are the dataset's own (true) or self-blended (false). */
  readonly testHasDatasetFakes: boolean;
  /** Reals left out because no face was found (reported, never blended). */
  readonly faceless: readonly FacelessImage[];
  /** The landmarks found. */
  readonly landmarks: LandmarkCache;
}

/**
 * Builds the sources of a run trained on real faces alone. The dataset's fakes in the training and
 * validation splits are not used (model selection never sees the kind of fake the test measures).
 *
 * @param splits - train / validation / test items
 * @param rng - the sources' generator (training stream, then one fork per fixed fake set)
 * @param options - store, detector, transforms, batch size, synthesis options
 * @throws {@link NoFaceError} when no training real has a face
 */
export async function createSbiSources(
  splits: { readonly train: readonly DatasetItem[]; readonly validation: readonly DatasetItem[]; readonly test: readonly DatasetItem[] },
  rng: Rng,
  options: SbiSourcesOptions,
): Promise<SbiSources> {
  const logger = options.logger ?? silentLogger;
  const landmarks = options.landmarks ?? landmarkCacheFor(options.store, options.detector, logger);
  const reals = (items: readonly DatasetItem[]) => items.filter((it) => it.label === 0);
  const train = await landmarks.prepare((await options.store.check(reals(splits.train))).usable);
  if (train.withFace.length === 0) throw new NoFaceError('the training split', `${train.faceless.length} real image(s) looked at, none with a face`);
  const val = await landmarks.prepare((await options.store.check(reals(splits.validation))).usable);
  const trainRng = rng.fork();
  const fixedSet = async (withFace: readonly DatasetItem[], setRng: Rng): Promise<DatasetEvalSource> => {
    const store = new SelfBlendedStore(options.store, landmarks, setRng, options.synthesis);
    return createEvalSource([...withFace, ...store.fakeItems(withFace)], { store, transform: options.transform });
  };
  const validation = await fixedSet(val.withFace, rng.fork());
  const testHasDatasetFakes = splits.test.some((it) => it.label === 1);
  let test: DatasetEvalSource;
  const faceless = [...train.faceless, ...val.faceless];
  if (testHasDatasetFakes) {
    test = await createEvalSource(splits.test, { store: options.store, transform: options.transform });
  } else {
    const t = await landmarks.prepare((await options.store.check(reals(splits.test))).usable);
    faceless.push(...t.faceless);
    test = await fixedSet(t.withFace, rng.fork());
  }
  const source = new SbiBatchSource(train.withFace, options.store, landmarks, trainRng, {
    ...options.synthesis,
    pairsPerBatch: options.pairsPerBatch,
    transform: options.transform,
    ...(options.logEvery !== undefined ? { logEvery: options.logEvery } : {}),
  });
  return { train: source, validation, test, testHasDatasetFakes, faceless, landmarks };
}
