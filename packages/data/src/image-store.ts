/**
 * Decoded, resized images by file, with an in-memory cache and a policy for bad files.
 *
 * @packageDocumentation
 */
import { requireOption, silentLogger, type Logger } from '@rfm/core';
import type { DatasetItem } from './dataset.js';
import { decodeImage, resolveDecodeOptions, type DecodeOptions, type DecodedImage, type ResolvedDecodeOptions } from './decode-image.js';
import { ImageDecodeError } from './errors.js';
import { resizeImage } from './resize-image.js';
import type { Size } from './transform-options.js';

/** Decodes in flight during {@link ImageStore.check}. */
const CHECK_CONCURRENCY = 4;

/** What to do with a file that cannot be decoded. */
export type BadImagePolicy = 'throw' | 'skip';

/** A file left out because it could not be decoded. */
export interface SkippedImage {
  /** The item's id (path relative to the dataset root). */
  readonly id: string;
  /** Absolute path. */
  readonly path: string;
  /** The cause, from {@link ImageDecodeError.reason}. */
  readonly reason: string;
}

/** Options of {@link ImageStore}. */
export interface ImageStoreOptions {
  /**
   * Size images are resized to (and cached at).
   * @default 256
   */
  readonly resize?: Size;
  /**
   * Keep decoded images in memory (uint8, 196,608 bytes each at 256x256). Turn off for datasets
   * that do not fit in memory; every access then decodes the file again.
   * @default true
   */
  readonly cache?: boolean;
  /** Decoder options (pixel limit, strictness). @default DECODE_DEFAULTS */
  readonly decode?: DecodeOptions;
  /**
   * `throw`: a bad file stops with an {@link ImageDecodeError} naming it; `skip`: {@link ImageStore.check}
   * leaves it out, logs a warning and lists it.
   * @default 'throw'
   */
  readonly onBadImage?: BadImagePolicy;
  /** Receives a warning per skipped file. @default silentLogger */
  readonly logger?: Logger;
}

/** Result of {@link ImageStore.check}. */
export interface CheckResult {
  /** Items that decode, in input order. */
  readonly usable: readonly DatasetItem[];
  /** Items left out (`onBadImage: 'skip'` only). */
  readonly skipped: readonly SkippedImage[];
}

/** Decodes (with sharp) and resizes images, caching the result per file path. */
export class ImageStore {
  /** Target `[height, width]`. */
  readonly size: readonly [number, number];
  /** Bad-file policy. */
  readonly onBadImage: BadImagePolicy;
  private readonly useCache: boolean;
  private readonly decode: ResolvedDecodeOptions;
  private readonly logger: Logger;
  private readonly cache = new Map<string, Promise<DecodedImage>>();

  /** @param options - size, cache, decoder, bad-file policy, logger */
  constructor(options: ImageStoreOptions = {}) {
    const r = options.resize ?? 256;
    const hw: readonly [number, number] = typeof r === 'number' ? [r, r] : r;
    requireOption(hw.every((x) => Number.isInteger(x) && x >= 1), 'resize', r, 'a positive integer or [height, width]');
    this.size = [hw[0], hw[1]];
    this.useCache = options.cache ?? true;
    this.decode = resolveDecodeOptions(options.decode);
    const policy = options.onBadImage ?? 'throw';
    requireOption(policy === 'throw' || policy === 'skip', 'onBadImage', policy, "'throw' or 'skip'");
    this.onBadImage = policy;
    this.logger = options.logger ?? silentLogger;
  }

  /** Number of images held in memory. */
  get cachedCount(): number {
    return this.cache.size;
  }

  /**
   * The decoded image of `item` at the store's size. Concurrent calls for one file share one decode.
   *
   * @param item - a dataset item
   * @returns the image; callers must not modify its `data`
   * @throws {@link ImageDecodeError} naming the file
   */
  load(item: Pick<DatasetItem, 'path'>): Promise<DecodedImage> {
    const hit = this.cache.get(item.path);
    if (hit) return hit;
    const pending = decodeImage(item.path, this.decode).then((img) => resizeImage(img, this.size[0], this.size[1]));
    if (this.useCache) {
      this.cache.set(item.path, pending);
      pending.catch(() => this.cache.delete(item.path));
    }
    return pending;
  }

  /**
   * Decodes every item once (filling the cache when it is on), so bad files show up before
   * training starts. With `onBadImage: 'throw'` the first bad file throws; with `'skip'` bad files
   * are logged, listed and left out of `usable`.
   *
   * @param items - the items to check
   * @throws {@link ImageDecodeError} under the `throw` policy
   */
  async check(items: readonly DatasetItem[]): Promise<CheckResult> {
    const usable: DatasetItem[] = [];
    const skipped: SkippedImage[] = [];
    // A few decodes in flight keep libvips' threads busy; results are handled in item order.
    for (let start = 0; start < items.length; start += CHECK_CONCURRENCY) {
      const chunk = items.slice(start, start + CHECK_CONCURRENCY);
      const results = await Promise.allSettled(chunk.map((item) => this.load(item)));
      results.forEach((r, k) => {
        const item = chunk[k]!;
        if (r.status === 'fulfilled') {
          usable.push(item);
          return;
        }
        const e: unknown = r.reason;
        if (!(e instanceof ImageDecodeError) || this.onBadImage === 'throw') throw e;
        skipped.push({ id: item.id, path: item.path, reason: e.reason });
        this.logger.warn(`skipping bad image ${item.id}: ${e.reason}`, { path: item.path });
      });
    }
    if (skipped.length > 0) {
      this.logger.warn(`skipped ${skipped.length} of ${items.length} image(s) that could not be decoded`, {
        skipped: skipped.map((s) => s.id),
      });
    }
    return { usable, skipped };
  }

  /** Drops every cached image. */
  clear(): void {
    this.cache.clear();
  }
}
