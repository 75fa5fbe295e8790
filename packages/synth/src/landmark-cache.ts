/**
 * Landmarks of real faces, detected once per image and cached; faceless images are listed, never
 * given a guessed face.
 *
 * @packageDocumentation
 */
import { errorMessage, requireOption, silentLogger, type Logger } from '@rfm/core';
import { ImageStore, type DatasetItem, type DecodedImage } from '@rfm/data';
import type { DetectedFace, Point } from '@rfm/faces';

/** What finds faces: `@rfm/faces`' `FaceDetector` fits, and so does any stand-in for tests. */
export interface LandmarkDetector {
  /** Faces with 68 landmarks in the image's pixels, largest first. */
  detect(image: DecodedImage): Promise<readonly DetectedFace[]>;
}

/** Where images come from (an `@rfm/data` `ImageStore` fits). */
export interface ImageLoader {
  /** The image of an item, at the size synthesis works at. */
  load(item: Pick<DatasetItem, 'path'>): Promise<DecodedImage>;
}

/** An image left out because no face (or no usable landmark set) was found. */
export interface FacelessImage {
  /** Item id. */
  readonly id: string;
  /** File path. */
  readonly path: string;
  /** Why. */
  readonly reason: string;
}

/** Result of {@link LandmarkCache.prepare}. */
export interface LandmarkScan {
  /** Items with a face, in input order. */
  readonly withFace: readonly DatasetItem[];
  /** Items without one. */
  readonly faceless: readonly FacelessImage[];
}

/**
 * Detects the largest face of each image once and keeps its 68 landmarks (in the loader's image
 * coordinates) for the life of the cache. An image without a face is remembered as faceless.
 */
export class LandmarkCache {
  private readonly cache = new Map<string, Promise<Point[] | null>>();
  private readonly reasons = new Map<string, string>();

  private readonly padding: number;

  /**
   * @param detector - face and landmark detector
   * @param loader - the images (landmarks are found on exactly the pixels synthesis will use)
   * @param logger - receives one warning per faceless image
   * @param padding - grey border added on each side before detection, as a fraction of the side
   *   (default 0.25): face detectors miss faces that fill the whole frame, as tight crops do
   *   (measured on 20 FFHQ crops at 160 px with the tiny detector: 13 found without a border, 19
   *   with 0.25)
   * @param detectionLoader - where detection reads the image when small working images would hide
   *   the face from the detector (e.g. an `ImageStore` of 256 px without cache); the landmarks are
   *   scaled to `loader`'s size. @default `loader`
   */
  constructor(
    private readonly detector: LandmarkDetector,
    readonly loader: ImageLoader,
    private readonly logger: Logger = silentLogger,
    padding = 0.25,
    private readonly detectionLoader: ImageLoader = loader,
  ) {
    requireOption(padding >= 0 && padding <= 2, 'padding', padding, 'a fraction in [0, 2]');
    this.padding = padding;
  }

  /** Number of images looked at so far. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The 68 landmarks of the item's largest face, or `null` when it has none.
   *
   * @param item - a dataset item
   */
  landmarks(item: Pick<DatasetItem, 'id' | 'path'>): Promise<Point[] | null> {
    const hit = this.cache.get(item.path);
    if (hit) return hit;
    const pending = this.detectOne(item);
    this.cache.set(item.path, pending);
    return pending;
  }

  /**
   * Looks at every item once (sequentially: detection is the costly part) and splits them into
   * items with a face and faceless ones, each faceless one logged.
   *
   * @param items - the items
   * @param onProgress - called after each item with the count done
   */
  async prepare(items: readonly DatasetItem[], onProgress?: (done: number, total: number) => void): Promise<LandmarkScan> {
    const withFace: DatasetItem[] = [];
    const faceless: FacelessImage[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const lm = await this.landmarks(item);
      if (lm) withFace.push(item);
      else faceless.push({ id: item.id, path: item.path, reason: this.reasons.get(item.path) ?? 'no face found' });
      onProgress?.(i + 1, items.length);
    }
    if (faceless.length > 0) this.logger.warn(`${faceless.length} of ${items.length} image(s) have no detected face and are skipped`, { faceless: faceless.map((f) => f.id) });
    return { withFace, faceless };
  }

  private async detectOne(item: Pick<DatasetItem, 'id' | 'path'>): Promise<Point[] | null> {
    let faces: readonly DetectedFace[];
    try {
      const image = await this.detectionLoader.load(item);
      const working = this.detectionLoader === this.loader ? image : await this.loader.load(item);
      const sx = working.width / image.width;
      const sy = working.height / image.height;
      const padded = padImage(image, this.padding);
      faces = (await this.detector.detect(padded.image)).map((f) => ({
        ...f,
        box: { x: (f.box.x - padded.left) * sx, y: (f.box.y - padded.top) * sy, width: f.box.width * sx, height: f.box.height * sy },
        landmarks: f.landmarks.map((p) => [(p[0] - padded.left) * sx, (p[1] - padded.top) * sy] as const),
      }));
    } catch (e) {
      this.reasons.set(item.path, `detection failed: ${errorMessage(e)}`);
      this.logger.warn(`no landmarks for ${item.id}: ${errorMessage(e)}`);
      return null;
    }
    const face = faces[0];
    if (!face || face.landmarks.length !== 68) {
      this.reasons.set(item.path, face ? `${face.landmarks.length} landmarks instead of 68` : 'no face found');
      this.logger.warn(`no face found in ${item.id}; it is skipped (never blended with a guessed mask)`);
      return null;
    }
    return face.landmarks.map((p) => [p[0], p[1]] as const);
  }
}

/**
 * An image with a mid-grey border of `fraction` of its width / height on every side.
 *
 * @param image - 8-bit RGB
 * @param fraction - border per side relative to the size (0 returns the image)
 * @returns the padded image and the offset of the original inside it
 */
export function padImage(image: DecodedImage, fraction: number): { image: DecodedImage; left: number; top: number } {
  const left = Math.round(image.width * fraction);
  const top = Math.round(image.height * fraction);
  if (left === 0 && top === 0) return { image, left, top };
  const W = image.width + 2 * left;
  const H = image.height + 2 * top;
  const data = new Uint8Array(W * H * 3).fill(128);
  const row = image.width * 3;
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray(y * row, (y + 1) * row), ((y + top) * W + left) * 3);
  return { image: { data, width: W, height: H }, left, top };
}

/** Below this working size, faces are detected on a 256 px decode instead (see {@link landmarkCacheFor}). */
export const MIN_DETECTION_SIZE = 256;

/**
 * A landmark cache over an image store; when the store's images are smaller than
 * {@link MIN_DETECTION_SIZE}, detection reads a 256 px decode (not cached) and the landmarks are
 * scaled to the store's size.
 *
 * @param store - the working images
 * @param detector - face and landmark detector
 * @param logger - receives faceless-image warnings
 */
export function landmarkCacheFor(store: ImageStore, detector: LandmarkDetector, logger: Logger = silentLogger): LandmarkCache {
  const small = Math.max(...store.size) < MIN_DETECTION_SIZE;
  return new LandmarkCache(detector, store, logger, 0.25, small ? new ImageStore({ resize: MIN_DETECTION_SIZE, cache: false }) : store);
}
