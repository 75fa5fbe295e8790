/**
 * Real faces for the `@rfm/synth` tests: the repository's FFHQ faces resized, with detected landmarks.
 *
 * @packageDocumentation
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ImageStore, type DatasetItem, type DecodedImage } from '@rfm/data';
import { FaceDetector, type Point } from '@rfm/faces';
import { LandmarkCache } from './landmark-cache.js';

/** The repository's `data/` folder. */
export const DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));
/** FFHQ-aligned real faces (see data/ffhq-stylegan2/SOURCE.md). */
export const REAL_FACES_DIR = join(DATA_DIR, 'ffhq-stylegan2', 'real');
/** StyleGAN2 faces of the same set. */
export const GAN_FACES_DIR = join(DATA_DIR, 'ffhq-stylegan2', 'fake');

/** The first `n` real faces as dataset items. */
export function portraitItems(n: number): DatasetItem[] {
  return readdirSync(REAL_FACES_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, n)
    .map((f) => ({ id: `real/${f}`, path: join(REAL_FACES_DIR, f), label: 0 as const, technique: 'real', group: f }));
}

/** A portrait at the test size with its landmarks. */
export interface TestFace {
  /** The item. */
  readonly item: DatasetItem;
  /** Its pixels at the store size. */
  readonly image: DecodedImage;
  /** Its 68 landmarks at the store size. */
  readonly landmarks: Point[];
}

/**
 * The first `n` real faces at `size` px in which the tiny detector finds a face, with their
 * landmarks; the active backend must be initialised.
 *
 * @param n - how many
 * @param size - square store size
 */
export async function portraitFaces(n: number, size: number): Promise<TestFace[]> {
  const store = new ImageStore({ resize: size });
  const cache = new LandmarkCache(await FaceDetector.create(), store);
  const out: TestFace[] = [];
  for (const item of portraitItems(n + 3)) {
    const landmarks = await cache.landmarks(item);
    if (landmarks) out.push({ item, image: await store.load(item), landmarks });
    if (out.length === n) return out;
  }
  throw new Error(`fewer than ${n} of the test faces have a detected face at ${size} px`);
}
