/**
 * `pnpm bench synth [--backend B] [--sizes 112,256] [--faces 8] [--count 40]`
 *
 * Synthesis speed of `@rfm/synth` on the bundled FFHQ reals (`data/ffhq-stylegan2/real`), for each
 * working size:
 * - `landmarks`: detection of the 68 landmarks once per face (tiny detector on the chosen backend;
 *   what `rfm synth`, `rfm less-forgery` and `--fakes sbi` pay once per real);
 * - `sbi`: Self-Blended Images made per second (`selfBlend`, plain JavaScript, no tensors);
 * - `blend`: two-person blends per second (`faceBlend`: nearest-landmark donor among the other
 *   faces, alignment, colour match, feathered mask).
 * `perSecond` is wall time; `perCpuSecond` divides by this process' CPU time instead, what one free
 * core sustains whatever else runs. One JSON line per case on stdout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countFlag, emit, flagValue, startBenchBackend } from '../lib.js';
import { createRng } from '../../packages/core/src/index.js';
import { ImageStore } from '../../packages/data/src/index.js';
import { FaceDetector } from '../../packages/faces/src/index.js';
import { faceBlend, landmarkCacheFor, selfBlend, type DonorFace } from '../../packages/synth/src/index.js';
import { portraitItems } from '../../packages/synth/src/test-fixtures.js';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Times `count` calls of `make(k)` after two warm-up calls. */
function time(count: number, make: (k: number) => unknown): { ms: number; cpu: number } {
  make(0);
  make(1);
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let k = 0; k < count; k++) make(k);
  return { ms: performance.now() - t0, cpu: cpuMs() - c0 };
}

const rate = (n: number, ms: number) => Number(((n * 1000) / ms).toFixed(2));

/** Runs the suite. */
export async function run(argv: string[]): Promise<void> {
  const requested = flagValue(argv, '--backend') ?? 'auto';
  const sizes = (flagValue(argv, '--sizes') ?? '112,256').split(',').map(Number);
  const nFaces = countFlag(argv, '--faces') ?? 8;
  const count = countFlag(argv, '--count') ?? 40;
  const backend = await startBenchBackend(requested);
  if (!backend) return;
  const detector = await FaceDetector.create();
  for (const size of sizes) {
    const store = new ImageStore({ resize: size });
    const cache = landmarkCacheFor(store, detector);
    const items = portraitItems(nFaces + 4);
    const t0 = performance.now();
    const scan = await cache.prepare(items);
    const detectMs = performance.now() - t0;
    emit({ suite: 'synth', case: 'landmarks', backend: tf.getBackend(), size, faces: items.length, found: scan.withFace.length, perSecond: rate(items.length, detectMs) });
    const faces: DonorFace[] = [];
    for (const it of scan.withFace.slice(0, nFaces)) faces.push({ id: it.id, identity: it.group ?? it.id, image: await store.load(it), landmarks: (await cache.landmarks(it))! });
    if (faces.length < 2) {
      emit({ suite: 'synth', size, skipped: `only ${faces.length} face(s) with landmarks` });
      continue;
    }
    const rng = createRng(1);
    const sbi = time(count, (k) => selfBlend(faces[k % faces.length]!.image, faces[k % faces.length]!.landmarks, rng.fork()));
    emit({ suite: 'synth', case: 'sbi', size, fakes: count, faces: faces.length, perSecond: rate(count, sbi.ms), perCpuSecond: rate(count, sbi.cpu), ms: Math.round(sbi.ms) });
    const blend = time(count, (k) => {
      const target = faces[k % faces.length]!;
      return faceBlend(target.image, target.landmarks, target.identity, faces, rng.fork());
    });
    emit({ suite: 'synth', case: 'blend', size, fakes: count, donors: faces.length, perSecond: rate(count, blend.ms), perCpuSecond: rate(count, blend.cpu), ms: Math.round(blend.ms) });
  }
}
