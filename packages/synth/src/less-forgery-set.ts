/**
 * `rfm less-forgery` as a library function: the four less-forgery test sets of the paper's Table 6.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, silentLogger, type Logger } from '@rfm/core';
import { ImageStore, type DatasetItem } from '@rfm/data';
import { NoFaceError } from './errors.js';
import { landmarkCacheFor, type FacelessImage, type LandmarkDetector } from './landmark-cache.js';
import { FACE_REGIONS, type FaceRegion } from './region-masks.js';
import { swapRegion } from './region-swap.js';
import { assertFreshOut, manifestCsv, safeStem, writeJson, writeMaskPng, writePng, writeSetAtomically, type ManifestRow } from './set-writer.js';

/** Prefix of a less-forgery set's technique names: `less-eyes`, `less-nose`, `less-mouth`, `less-skin`. */
export const LESS_FORGERY_PREFIX = 'less-';

/** Options of {@link lessForgerySet}. */
export interface LessForgerySetOptions {
  /** Output folder (must not exist or be empty). */
  readonly out: string;
  /** Seed of the donor choices. @default 0 */
  readonly seed?: number;
  /** Square working size. @default 256 */
  readonly size?: number;
  /** Face and landmark detector. */
  readonly detector: LandmarkDetector;
  /** Receives faceless-image warnings. */
  readonly logger?: Logger;
  /** Called after each fake face. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What {@link lessForgerySet} wrote. */
export interface LessForgerySetReport {
  /** The manifest. */
  readonly manifest: string;
  /** Fake faces processed (each gives one image per region). */
  readonly fakes: number;
  /** Reals written (the test reals and donors). */
  readonly reals: number;
  /** Images without a face (skipped). */
  readonly faceless: readonly FacelessImage[];
}

/**
 * For every fake face with landmarks and each region (eyes, nose, mouth, skin), replaces the region
 * with the aligned pixels of a random real face (seeded): `OUT/<region>/<id>.png`,
 * `OUT/mask/<region>/<id>.png`, the reals under `OUT/real/`, the unmodified fakes under `OUT/full/`
 * (with their own technique: the reference the drop of each region is measured against), and
 * `OUT/manifest.csv` whose technique column is `less-<region>` (the sets share the reals), plus
 * `OUT/less-forgery.json` with every donor. The folder appears only when complete.
 *
 * @param items - the dataset: fakes are modified, reals are donors and the real half of each set
 * @param options - output, seed, size, detector
 * @throws {@link NoFaceError} when no fake or no real has a face
 */
export async function lessForgerySet(items: readonly DatasetItem[], options: LessForgerySetOptions): Promise<LessForgerySetReport> {
  const size = options.size ?? 256;
  assertFreshOut(options.out);
  const store = new ImageStore({ resize: size });
  const cache = landmarkCacheFor(store, options.detector, options.logger ?? silentLogger);
  const { usable } = await store.check(items);
  const fakes = await cache.prepare(usable.filter((it) => it.label === 1));
  const reals = await cache.prepare(usable.filter((it) => it.label === 0));
  if (fakes.withFace.length === 0) throw new NoFaceError('the fake images', `${fakes.faceless.length} looked at`);
  if (reals.withFace.length === 0) throw new NoFaceError('the real images', `${reals.faceless.length} looked at; real faces give the replaced regions`);
  const rng = createRng(options.seed ?? 0);
  const donors = await Promise.all(reals.withFace.map(async (it) => ({ id: it.id, image: await store.load(it), landmarks: (await cache.landmarks(it))! })));
  return writeSetAtomically(options.out, async (tmp) => {
    const rows: ManifestRow[] = [];
    const records: { path: string; mask: string; fake: string; region: FaceRegion; donor: string }[] = [];
    for (const d of donors) {
      const path = `real/${safeStem(d.id)}.png`;
      await writePng(join(tmp, path), d.image);
      rows.push({ path, label: 'real', technique: 'real', group: d.id });
    }
    let done = 0;
    for (const fake of fakes.withFace) {
      const image = await store.load(fake);
      const landmarks = (await cache.landmarks(fake))!;
      const fullPath = `full/${safeStem(fake.id)}.png`;
      await writePng(join(tmp, fullPath), image);
      rows.push({ path: fullPath, label: 'fake', technique: fake.technique, group: `${fake.group ?? fake.id}#full` });
      for (const region of FACE_REGIONS) {
        const donor = donors[rng.int(0, donors.length - 1)]!;
        const made = swapRegion(image, landmarks, region, donor);
        const path = `${region}/${safeStem(fake.id)}.png`;
        const mask = `mask/${path}`;
        await writePng(join(tmp, path), made.fake);
        await writeMaskPng(join(tmp, mask), made.mask);
        rows.push({ path, label: 'fake', technique: `${LESS_FORGERY_PREFIX}${region}`, group: `${fake.group ?? fake.id}#${region}` });
        records.push({ path, mask, fake: fake.id, region, donor: donor.id });
      }
      options.onProgress?.(++done, fakes.withFace.length);
    }
    writeFileSync(join(tmp, 'manifest.csv'), manifestCsv(rows));
    writeJson(join(tmp, 'less-forgery.json'), { seed: options.seed ?? 0, size, regions: FACE_REGIONS, images: records, faceless: [...fakes.faceless, ...reals.faceless] });
    return { manifest: join(options.out, 'manifest.csv'), fakes: fakes.withFace.length, reals: donors.length, faceless: [...fakes.faceless, ...reals.faceless] };
  });
}
