/**
 * A finite evaluation set in a fixed order, with evaluation transforms (centre crop, no flip).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, requireOption, type Batch, type EvalSource } from '@rfm/core';
import type { DatasetItem } from './dataset.js';
import { ImageStore, type ImageStoreOptions, type SkippedImage } from './image-store.js';
import { resolveTransformOptions, type ResolvedTransformOptions, type TransformOptions } from './transform-options.js';
import { centerParams, normalizationTable, writeTransformed } from './transforms.js';

/** Options of {@link createEvalSource}. */
export interface EvalSourceOptions extends Omit<ImageStoreOptions, 'resize'> {
  /** Resize, crop and normalisation (`flip` is ignored). @default TRANSFORM_DEFAULTS */
  readonly transform?: TransformOptions;
  /**
   * A store to share, e.g. between sources (its size must equal `transform.resize`). Its own cache,
   * decoder and bad-file policy then apply instead of `cache`, `decode` and `onBadImage`.
   * @default a new ImageStore built from these options
   */
  readonly store?: ImageStore;
}

/** Evaluation batches over a fixed item list: centred crop, no flip, labels, techniques and ids. */
export class DatasetEvalSource implements EvalSource {
  /** Images left out by the bad-file policy (set by {@link createEvalSource}). */
  skipped: readonly SkippedImage[] = [];
  /** Resolved transforms. */
  readonly transform: ResolvedTransformOptions;
  private readonly lut: Float32Array;

  /**
   * @param items - the items, evaluated in this order
   * @param store - decoder and cache, of size `transform.resize`
   * @param transform - resize, crop, normalisation
   */
  constructor(
    readonly items: readonly DatasetItem[],
    private readonly store: ImageStore,
    transform: TransformOptions = {},
  ) {
    this.transform = resolveTransformOptions(transform);
    if (store.size[0] !== this.transform.resize[0] || store.size[1] !== this.transform.resize[1]) {
      throw new InvalidOptionError('store', store.size, `an ImageStore of the transform's resize size ${this.transform.resize.join('x')}`);
    }
    this.lut = normalizationTable(this.transform.normalization);
  }

  /** Number of images. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Batches of up to `batchSize` images in item order (the last one may be smaller). Each batch's
   * tensors are owned by the consumer; stopping early leaves nothing allocated.
   *
   * @param batchSize - images per batch
   * @throws `InvalidOptionError` for a batch size that is not a positive integer
   */
  async *batches(batchSize: number): AsyncIterable<Batch> {
    requireOption(Number.isInteger(batchSize) && batchSize >= 1, 'batchSize', batchSize, 'an integer >= 1');
    const params = centerParams(this.transform);
    const [h, w] = this.transform.crop;
    const size = h * w * 3;
    for (let start = 0; start < this.items.length; start += batchSize) {
      const picked = this.items.slice(start, start + batchSize);
      const images = await Promise.all(picked.map((it) => this.store.load(it)));
      const buffer = new Float32Array(picked.length * size);
      images.forEach((img, b) => writeTransformed(img, params, this.transform, this.lut, buffer, b * size));
      yield {
        images: tf.tensor4d(buffer, [picked.length, h, w, 3], 'float32'),
        labels: tf.tensor1d(Int32Array.from(picked, (it) => it.label), 'int32'),
        techniques: picked.map((it) => it.technique),
        ids: picked.map((it) => it.id),
      };
    }
  }
}

/**
 * Builds a {@link DatasetEvalSource}: decodes every item once (filling the cache, applying the
 * bad-file policy) and keeps the usable items in their given order.
 *
 * @param items - evaluation items (e.g. `splits.validation`)
 * @param options - transforms, cache, decoder, bad-file policy, logger
 * @throws {@link ImageDecodeError} for a bad file under the default `throw` policy
 * @example
 * ```ts
 * const val = await createEvalSource(splits.validation);
 * for await (const batch of val.batches(32)) { ...; tf.dispose([batch.images, batch.labels]); }
 * ```
 */
export async function createEvalSource(items: readonly DatasetItem[], options: EvalSourceOptions = {}): Promise<DatasetEvalSource> {
  const transform = resolveTransformOptions(options.transform);
  const store = options.store ?? new ImageStore({ ...options, resize: transform.resize });
  const { usable, skipped } = await store.check(items);
  const source = new DatasetEvalSource(usable, store, options.transform);
  source.skipped = skipped;
  return source;
}
