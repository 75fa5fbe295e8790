/**
 * `pnpm bench faces [--backends wasm,tensorflow] [--detectors tiny@416,tiny@320,ssd] [--frames 32] [--portraits DIR] [--reps N]`
 *
 * For each backend and face detector:
 * - `prepare`: frames per second of `prepareFaces` on the bundled 480x270 VP9 clip
 *   (`data/videos/head-pose-face-detection-male.webm`, 62 frames, `--frames` sampled by linspace):
 *   ffmpeg decoding (frame count + sampled frames) + detection + 68 landmarks + alignment + PNG
 *   writing, and the share of sampled frames where a face was found;
 * - `landmarks`: eye-centre error (mean and max, pixels) against the hand-placed pupils of the
 *   portraits (`data/london-faces`, 12 bundled; `--portraits DIR` for another set of .jpg + .tem);
 *   `framesPerCpuSecond` divides by the CPU time used (this process and ffmpeg) instead of the wall
 *   time: what one free core sustains, whatever else runs on the machine;
 * - `predict`: median latency of `predictFaces` on one 675x675 portrait with the `small` backbone
 *   at 128 px (detect + align + resize + score), `--reps` repetitions after a warm-up.
 * One JSON line per case on stdout. Timings on a shared machine: compare within one run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { countFlag, emit, flagValue, median } from '../lib.js';
import { initBackend } from '../../packages/backend/src/index.js';
import { createRng, errorMessage } from '../../packages/core/src/index.js';
import { decodeImage } from '../../packages/data/src/index.js';
import { createBackbone } from '../../packages/models/src/index.js';
import { FaceDetector, findFfmpeg, fivePoints, predictFaces, prepareFaces, type DetectorName } from '../../packages/faces/src/index.js';
import { templatePupils } from '../../packages/faces/src/test-fixtures.js';
import { createBackboneScorer } from '../../packages/cli/src/face-scorer.js';
import { resolveTransformOptions } from '../../packages/data/src/index.js';

const DATA = fileURLToPath(new URL('../../data/', import.meta.url));

/** CPU milliseconds used so far by this process and its finished children (ffmpeg), Linux only. */
function cpuMs(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // /proc/self/stat fields 16 and 17 (cutime, cstime) in clock ticks of 10 ms.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    children = (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    children = 0;
  }
  return (own.user + own.system) / 1000 + children;
}

/** Runs the suite. */
export async function run(argv: string[]): Promise<void> {
  const backends = (flagValue(argv, '--backends') ?? 'wasm,tensorflow').split(',');
  const detectors = (flagValue(argv, '--detectors') ?? 'tiny@416,tiny@320,ssd').split(',');
  const frames = countFlag(argv, '--frames') ?? 32;
  const reps = countFlag(argv, '--reps') ?? 5;
  const portraits = flagValue(argv, '--portraits') ?? join(DATA, 'london-faces');
  const video = join(DATA, 'videos', 'head-pose-face-detection-male.webm');
  const photo = join(DATA, 'london-faces', '001_03.jpg');
  const ffmpeg = findFfmpeg();
  for (const backend of backends) {
    try {
      await initBackend(backend as 'wasm');
    } catch (e) {
      emit({ suite: 'faces', backend, skipped: errorMessage(e) });
      continue;
    }
    for (const spec of detectors) {
      const [name, size] = spec.split('@') as [DetectorName, string | undefined];
      const detector = await FaceDetector.create({ detector: name, ...(size ? { inputSize: Number(size) } : {}) });
      // Warm-up: first inference compiles kernels.
      await detector.detect(await decodeImage(photo));

      if (ffmpeg) {
        const out = mkdtempSync(join(tmpdir(), 'rfm-bench-faces-'));
        const cpu0 = cpuMs();
        const report = await prepareFaces(detector, { inputs: [video], out, label: 'real', frames, ffmpeg });
        const cpu = cpuMs() - cpu0;
        rmSync(out, { recursive: true, force: true });
        emit({
          suite: 'faces',
          case: 'prepare',
          backend,
          detector: spec,
          video: '480x270 webm',
          frames: report.frames,
          framesPerSecond: Number(report.framesPerSecond.toFixed(2)),
          // What one free core would do: frames per CPU-second (this process + ffmpeg). The wall figure
          // above is lower whenever other processes share the cores.
          framesPerCpuSecond: Number(((report.frames * 1000) / cpu).toFixed(2)),
          cpuMs: Math.round(cpu),
          facesFoundShare: Number((report.crops / report.frames).toFixed(3)),
          ms: Math.round(report.ms),
          ffmpeg: ffmpeg.source,
        });
      } else {
        emit({ suite: 'faces', case: 'prepare', backend, detector: spec, skipped: 'no ffmpeg' });
      }

      const errors: number[] = [];
      let missed = 0;
      const files = readdirSync(portraits).filter((f) => f.endsWith('.jpg')).sort();
      for (const f of files) {
        const faces = await detector.detect(await decodeImage(join(portraits, f)));
        if (faces.length === 0) {
          missed++;
          continue;
        }
        const [l, r] = fivePoints(faces[0]!.landmarks);
        const [tl, tr] = templatePupils(join(portraits, f.replace(/\.jpg$/, '.tem')));
        errors.push(Math.hypot(l[0] - tl[0], l[1] - tl[1]), Math.hypot(r[0] - tr[0], r[1] - tr[1]));
      }
      const mean = errors.reduce((a, b) => a + b, 0) / Math.max(1, errors.length);
      emit({
        suite: 'faces',
        case: 'landmarks',
        backend,
        detector: spec,
        portraits: files.length,
        missed,
        eyeErrorMeanPx: Number(mean.toFixed(2)),
        eyeErrorMedianPx: Number(median(errors).toFixed(2)),
        eyeErrorMaxPx: Number(Math.max(...errors).toFixed(2)),
        imagePx: 675,
      });

      const backbone = createBackbone('small', { inputSize: 128 }, createRng(1));
      const scorer = createBackboneScorer(backbone, resolveTransformOptions({ resize: 146, crop: 128 }));
      await predictFaces(detector, photo, { scorer });
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        const c0 = cpuMs();
        await predictFaces(detector, photo, { scorer });
        times.push(performance.now() - t0);
        cpuTimes.push(cpuMs() - c0);
      }
      backbone.dispose();
      emit({ suite: 'faces', case: 'predict', backend, detector: spec, image: '675x675 jpg, 1 face', model: 'small@128', medianMs: Math.round(median(times)), medianCpuMs: Math.round(median(cpuTimes)), reps, tensors: tf.memory().numTensors });
    }
  }
}
