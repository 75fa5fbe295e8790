/**
 * The training stream: balanced batches of real and fake images with random crops and flips.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, requireOption, type Batch, type BatchSource, type Rng, type RngState } from '@rfm/core';
import type { DatasetItem } from './dataset.js';
import { DatasetError } from './errors.js';
import { ImageStore, type ImageStoreOptions, type SkippedImage } from './image-store.js';
import { resolveTransformOptions, type ResolvedTransformOptions, type TransformOptions } from './transform-options.js';
import { normalizationTable, sampleTrainParams, writeTransformed, type TransformParams } from './transforms.js';

/** Options of {@link BalancedBatchSource} and {@link createBalancedSource}. */
export interface BalancedSourceOptions extends Omit<ImageStoreOptions, 'resize'> {
  /** Real images per batch. @default 8 */
  readonly realPerBatch?: number;
  /** Fake images per batch. @default 8 */
  readonly fakePerBatch?: number;
  /**
   * Drop the last, partial batch of an epoch. Off by default, as in the official code (no
   * `drop_last`), where the last batch of an epoch can hold fewer images of the limiting class.
   * @default false
   */
  readonly dropLast?: boolean;
  /** Resize, crop, flip, normalisation. @default TRANSFORM_DEFAULTS */
  readonly transform?: TransformOptions;
  /**
   * A store to share, e.g. between sources (its size must equal `transform.resize`). Its own cache,
   * decoder and bad-file policy then apply instead of `cache`, `decode` and `onBadImage`.
   * @default a new ImageStore built from these options
   */
  readonly store?: ImageStore;
}

/** Defaults of the sampler fields of {@link BalancedSourceOptions}. */
export const BALANCED_SOURCE_DEFAULTS = { realPerBatch: 8, fakePerBatch: 8, dropLast: false } as const;

/** Serialisable position of a {@link BalancedBatchSource} (plain JSON). */
export interface BalancedSourceState {
  /** Format tag. */
  readonly kind: 'rfm-balanced-source';
  /** Format version. */
  readonly version: 1;
  /** Epochs started so far (0 before the first batch). */
  readonly epoch: number;
  /** Batches served in the current epoch. */
  readonly position: number;
  /** Generator state just before the current epoch's shuffles (`null` before the first epoch). */
  readonly epochRng: RngState | null;
  /** Generator state now. */
  readonly rng: RngState;
  /** Real count the state was taken with (checked on restore). */
  readonly nReal: number;
  /** Fake count the state was taken with (checked on restore). */
  readonly nFake: number;
  /** Batch composition the state was taken with (checked on restore). */
  readonly realPerBatch: number;
  /** Batch composition the state was taken with (checked on restore). */
  readonly fakePerBatch: number;
}

/**
 * Balanced training batches, as the official code's two loaders (spec §2.3): each epoch shuffles
 * the reals and the fakes (in that order, with the injected {@link Rng}); batch i holds reals
 * `[i·r, (i+1)·r)` then fakes `[i·f, (i+1)·f)` of the shuffled orders, labels `[0…0, 1…1]`; the
 * epoch ends when either class runs out, i.e. after `min(⌈nReal/r⌉, ⌈nFake/f⌉)` batches (`⌊…⌋`
 * with `dropLast`). One pass over the smaller class per epoch, the larger class sampled without
 * replacement in a fresh order every epoch. Every image gets a random crop and flip
 * ({@link sampleTrainParams}), drawn in batch order.
 *
 * Give the source its own generator (`rng.fork()`): {@link getState} / {@link setState} save and
 * restore it, so a resumed run continues with the same batches.
 */
export class BalancedBatchSource implements BatchSource {
  /** Images left out by the bad-file policy (set by {@link createBalancedSource}). */
  skipped: readonly SkippedImage[] = [];
  /** Parameters of the last batch's images, for logging or replay. */
  lastParams: readonly TransformParams[] = [];
  /** Resolved transforms. */
  readonly transform: ResolvedTransformOptions;
  /** Reals per batch. */
  readonly realPerBatch: number;
  /** Fakes per batch. */
  readonly fakePerBatch: number;
  /** Batches per epoch. */
  readonly batchesPerEpoch: number;
  private readonly reals: readonly DatasetItem[];
  private readonly fakes: readonly DatasetItem[];
  private readonly lut: Float32Array;
  private realOrder: number[] = [];
  private fakeOrder: number[] = [];
  private epochCount = 0;
  private positionInEpoch = 0;
  private epochRng: RngState | null = null;

  /**
   * @param items - training items (both classes); their order is the base of every shuffle
   * @param store - decoder and cache, of size `transform.resize`
   * @param rng - the generator of every shuffle, crop and flip
   * @param options - batch composition and transforms
   * @throws {@link DatasetError} when a class is empty; `InvalidOptionError` for bad options
   */
  constructor(
    items: readonly DatasetItem[],
    private readonly store: ImageStore,
    private readonly rng: Rng,
    options: Omit<BalancedSourceOptions, keyof ImageStoreOptions | 'store'> = {},
  ) {
    this.transform = resolveTransformOptions(options.transform);
    this.realPerBatch = options.realPerBatch ?? BALANCED_SOURCE_DEFAULTS.realPerBatch;
    this.fakePerBatch = options.fakePerBatch ?? BALANCED_SOURCE_DEFAULTS.fakePerBatch;
    const dropLast = options.dropLast ?? BALANCED_SOURCE_DEFAULTS.dropLast;
    requireOption(Number.isInteger(this.realPerBatch) && this.realPerBatch >= 1, 'realPerBatch', this.realPerBatch, 'an integer >= 1');
    requireOption(Number.isInteger(this.fakePerBatch) && this.fakePerBatch >= 1, 'fakePerBatch', this.fakePerBatch, 'an integer >= 1');
    if (store.size[0] !== this.transform.resize[0] || store.size[1] !== this.transform.resize[1]) {
      throw new InvalidOptionError('store', store.size, `an ImageStore of the transform's resize size ${this.transform.resize.join('x')}`);
    }
    this.reals = items.filter((it) => it.label === 0);
    this.fakes = items.filter((it) => it.label === 1);
    if (this.reals.length === 0 || this.fakes.length === 0) {
      throw new DatasetError(
        'training set',
        `the train split has ${this.reals.length} real and ${this.fakes.length} fake usable image(s); balanced batches need both classes. Add images of the missing class or change the split.`,
      );
    }
    const per = (n: number, b: number) => (dropLast ? Math.floor(n / b) : Math.ceil(n / b));
    this.batchesPerEpoch = Math.min(per(this.reals.length, this.realPerBatch), per(this.fakes.length, this.fakePerBatch));
    if (this.batchesPerEpoch === 0) {
      throw new DatasetError(
        'training set',
        `with dropLast, ${this.reals.length} real / ${this.fakes.length} fake images do not fill one batch of ${this.realPerBatch} + ${this.fakePerBatch}.`,
      );
    }
    this.lut = normalizationTable(this.transform.normalization);
  }

  /** Real and fake counts. */
  get counts(): { real: number; fake: number } {
    return { real: this.reals.length, fake: this.fakes.length };
  }

  /** Epochs started so far (1 during the first epoch). */
  get epoch(): number {
    return this.epochCount;
  }

  /** Batches served in the current epoch. */
  get position(): number {
    return this.positionInEpoch;
  }

  /**
   * The next batch. All random draws happen synchronously when it is called, so overlapping calls
   * still give the seeded sequence. The caller owns (and disposes) the returned tensors.
   */
  async next(): Promise<Batch> {
    if (this.epochCount === 0 || this.positionInEpoch >= this.batchesPerEpoch) this.startEpoch();
    const i = this.positionInEpoch++;
    const picked = [
      ...this.realOrder.slice(i * this.realPerBatch, (i + 1) * this.realPerBatch).map((k) => this.reals[k]!),
      ...this.fakeOrder.slice(i * this.fakePerBatch, (i + 1) * this.fakePerBatch).map((k) => this.fakes[k]!),
    ];
    const params = picked.map(() => sampleTrainParams(this.rng, this.transform));
    this.lastParams = params;
    const images = await Promise.all(picked.map((it) => this.store.load(it)));
    const [h, w] = this.transform.crop;
    const size = h * w * 3;
    const buffer = new Float32Array(picked.length * size);
    images.forEach((img, b) => writeTransformed(img, params[b]!, this.transform, this.lut, buffer, b * size));
    return {
      images: tf.tensor4d(buffer, [picked.length, h, w, 3], 'float32'),
      labels: tf.tensor1d(Int32Array.from(picked, (it) => it.label), 'int32'),
      techniques: picked.map((it) => it.technique),
      ids: picked.map((it) => it.id),
    };
  }

  /** The position of the stream as plain JSON (see {@link BalancedSourceState}). */
  getState(): BalancedSourceState {
    return {
      kind: 'rfm-balanced-source',
      version: 1,
      epoch: this.epochCount,
      position: this.positionInEpoch,
      epochRng: this.epochRng === null ? null : [...this.epochRng],
      rng: [...this.rng.getState()],
      nReal: this.reals.length,
      nFake: this.fakes.length,
      realPerBatch: this.realPerBatch,
      fakePerBatch: this.fakePerBatch,
    } as BalancedSourceState;
  }

  /**
   * Restores a state from {@link getState}: the epoch's shuffles are replayed from `epochRng`,
   * then the generator is set to `rng`.
   *
   * @param state - a saved state of a source over the same items and batch composition
   * @throws `InvalidOptionError` when the state is malformed or was taken on other data
   */
  setState(state: unknown): void {
    const s = state as Partial<BalancedSourceState> | null;
    const fail = (why: string): never => {
      throw new InvalidOptionError('state', summarize(state), why);
    };
    if (!s || s.kind !== 'rfm-balanced-source' || s.version !== 1) fail('a state returned by BalancedBatchSource.getState()');
    const { epoch, position, epochRng, rng } = s as BalancedSourceState;
    if (s!.nReal !== this.reals.length || s!.nFake !== this.fakes.length) {
      fail(`a state of a source with ${this.reals.length} real and ${this.fakes.length} fake images (it has ${s!.nReal}/${s!.nFake})`);
    }
    if (s!.realPerBatch !== this.realPerBatch || s!.fakePerBatch !== this.fakePerBatch) {
      fail(`a state with ${this.realPerBatch} + ${this.fakePerBatch} images per batch`);
    }
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(position) || position < 0 || position > this.batchesPerEpoch) {
      fail('integer epoch >= 0 and position within the epoch');
    }
    if ((epoch === 0) !== (epochRng === null)) fail('epochRng set once an epoch has started');
    if (epochRng !== null) {
      this.rng.setState(epochRng);
      this.shuffle();
    } else {
      this.realOrder = [];
      this.fakeOrder = [];
    }
    this.rng.setState(rng);
    this.epochCount = epoch;
    this.positionInEpoch = position;
    this.epochRng = epochRng === null ? null : [...epochRng];
  }

  private startEpoch(): void {
    this.epochRng = [...this.rng.getState()];
    this.shuffle();
    this.epochCount++;
    this.positionInEpoch = 0;
  }

  private shuffle(): void {
    this.realOrder = this.rng.shuffle(Array.from(this.reals, (_, k) => k));
    this.fakeOrder = this.rng.shuffle(Array.from(this.fakes, (_, k) => k));
  }
}

/**
 * Builds a {@link BalancedBatchSource}: creates (or reuses) the image store, decodes every item once
 * (filling the cache and applying the bad-file policy), then wraps the usable items.
 *
 * @param items - training items
 * @param rng - the source's own generator (e.g. `runRng.fork()`)
 * @param options - batch composition, transforms, cache, decoder, bad-file policy, logger
 * @returns the source; `source.skipped` lists files left out under `onBadImage: 'skip'`
 * @throws {@link ImageDecodeError} for a bad file under the default `throw` policy; {@link DatasetError}
 *   when a class has no usable image
 * @example
 * ```ts
 * const source = await createBalancedSource(splits.train, rng.fork(), { onBadImage: 'skip', logger });
 * const batch = await source.next(); // 8 real + 8 fake, [16, 224, 224, 3]
 * tf.dispose([batch.images, batch.labels]);
 * ```
 */
export async function createBalancedSource(
  items: readonly DatasetItem[],
  rng: Rng,
  options: BalancedSourceOptions = {},
): Promise<BalancedBatchSource> {
  const transform = resolveTransformOptions(options.transform);
  const store = options.store ?? new ImageStore({ ...options, resize: transform.resize });
  const { usable, skipped } = await store.check(items);
  const source = new BalancedBatchSource(usable, store, rng, options);
  source.skipped = skipped;
  return source;
}

function summarize(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(v);
  }
}
