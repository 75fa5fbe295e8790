/**
 * `rfm synth` as a library function: a folder of synthesised fakes (self-blended or blended between
 * people), their masks, the reals they were made from and a manifest.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, requireOption, silentLogger, type Logger } from '@rfm/core';
import { ImageStore, type DatasetItem } from '@rfm/data';
import { NoFaceError } from './errors.js';
import { faceBlend, type DonorFace } from './face-blend.js';
import { landmarkCacheFor, type FacelessImage, type LandmarkDetector } from './landmark-cache.js';
import { selfBlend } from './self-blend.js';
import { assertFreshOut, manifestCsv, safeStem, writeJson, writeMaskPng, writePng, writeSetAtomically, type ManifestRow } from './set-writer.js';

/** Synthesis methods of {@link synthesizeSet}. */
export const SYNTH_METHODS = ['sbi', 'blend'] as const;

/** One of {@link SYNTH_METHODS}. */
export type SynthMethod = (typeof SYNTH_METHODS)[number];

/** Options of {@link synthesizeSet}. */
export interface SynthesizeSetOptions {
  /** Output folder (must not exist or be empty). */
  readonly out: string;
  /** `sbi` (self-blended) or `blend` (between two people). */
  readonly method: SynthMethod;
  /** Number of fakes. */
  readonly count: number;
  /** Seed of every random choice. */
  readonly seed: number;
  /** Square working size in pixels. @default 256 */
  readonly size?: number;
  /** Face and landmark detector. */
  readonly detector: LandmarkDetector;
  /** Receives faceless-image warnings. */
  readonly logger?: Logger;
  /** Called after each fake. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What {@link synthesizeSet} wrote. */
export interface SynthesizeSetReport {
  /** The output folder. */
  readonly out: string;
  /** The manifest. */
  readonly manifest: string;
  /** Fakes written. */
  readonly fakes: number;
  /** Reals written (those used as targets). */
  readonly reals: number;
  /** Reals without a face (skipped). */
  readonly faceless: readonly FacelessImage[];
}

/**
 * Writes `count` fakes made from `reals`: `OUT/real/<id>.png` (each target real, resized),
 * `OUT/fake/<method>/<k>-<id>.png`, `OUT/mask/<method>/<k>-<id>.png`, `OUT/manifest.csv` (reals and
 * fakes; every image its own group `<identity>` or `<identity>#<method>-<k>`, so that `rfm eval`
 * does not mistake a real and its fake for frames of one video; as a training set, split it by
 * hand if a real and its fakes must stay together) and `OUT/synth.json`
 * (method, seed, every fake's parameters and mask, faceless images). Targets cycle through the
 * reals with a face in a seeded order. The folder appears only when complete.
 *
 * @param reals - real images (fakes in the list are ignored)
 * @param options - output, method, count, seed, size, detector
 * @throws {@link NoFaceError} when no real has a face (or, for `blend`, fewer than two identities do)
 */
export async function synthesizeSet(reals: readonly DatasetItem[], options: SynthesizeSetOptions): Promise<SynthesizeSetReport> {
  requireOption(Number.isInteger(options.count) && options.count >= 1, 'count', options.count, 'an integer >= 1');
  requireOption((SYNTH_METHODS as readonly string[]).includes(options.method), 'method', options.method, SYNTH_METHODS.join(' | '));
  const size = options.size ?? 256;
  assertFreshOut(options.out);
  const store = new ImageStore({ resize: size });
  const cache = landmarkCacheFor(store, options.detector, options.logger ?? silentLogger);
  const { usable } = await store.check(reals.filter((r) => r.label === 0));
  const scan = await cache.prepare(usable);
  if (scan.withFace.length === 0) throw new NoFaceError('the real images', `${scan.faceless.length} looked at`);
  const identity = (it: DatasetItem) => it.group ?? it.id;
  let donors: DonorFace[] = [];
  if (options.method === 'blend') {
    if (new Set(scan.withFace.map(identity)).size < 2) throw new NoFaceError('a second identity', 'blends need faces of at least two people (groups)');
    donors = await Promise.all(
      scan.withFace.map(async (it) => ({ id: it.id, identity: identity(it), image: await store.load(it), landmarks: (await cache.landmarks(it))! })),
    );
  }
  const rng = createRng(options.seed);
  const order = rng.shuffle([...scan.withFace]);
  return writeSetAtomically(options.out, async (tmp) => {
    const rows: ManifestRow[] = [];
    const records: unknown[] = [];
    const realsWritten = new Set<string>();
    for (let k = 0; k < options.count; k++) {
      const real = order[k % order.length]!;
      const stem = safeStem(real.id);
      const realPath = `real/${stem}.png`;
      const image = await store.load(real);
      const landmarks = (await cache.landmarks(real))!;
      if (!realsWritten.has(real.id)) {
        realsWritten.add(real.id);
        await writePng(join(tmp, realPath), image);
        rows.push({ path: realPath, label: 'real', technique: 'real', group: identity(real) });
      }
      const made =
        options.method === 'sbi'
          ? selfBlend(image, landmarks, rng.fork())
          : faceBlend(image, landmarks, identity(real), donors, rng.fork());
      const name = `${String(k).padStart(5, '0')}-${stem}.png`;
      const fakePath = `fake/${options.method}/${name}`;
      const maskPath = `mask/${options.method}/${name}`;
      await writePng(join(tmp, fakePath), made.fake);
      await writeMaskPng(join(tmp, maskPath), made.mask);
      rows.push({ path: fakePath, label: 'fake', technique: options.method, group: `${identity(real)}#${options.method}-${k}` });
      records.push({ path: fakePath, mask: maskPath, target: real.id, params: made.params });
      options.onProgress?.(k + 1, options.count);
    }
    writeFileSync(join(tmp, 'manifest.csv'), manifestCsv(rows));
    writeJson(join(tmp, 'synth.json'), { method: options.method, seed: options.seed, size, count: options.count, fakes: records, faceless: scan.faceless });
    return { out: options.out, manifest: join(options.out, 'manifest.csv'), fakes: options.count, reals: realsWritten.size, faceless: scan.faceless };
  });
}
