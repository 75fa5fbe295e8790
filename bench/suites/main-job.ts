/**
 * `pnpm bench main-job [--backends wasm,tensorflow] [--reps N] [--full] [--data DIR] [--keep DIR] [--tf-threads N]`
 *
 * The quick preset's speed per backend: median milliseconds and iterations per second of one
 * training iteration of the preset's backbone at its input size and batch, for each method of the
 * README's main job (none, sfe, re, ae; interleaved repetition by repetition so that load from
 * other processes hits them alike), and the main job's training time they imply. With `--full`
 * (opt-in: about 20 minutes on wasm) it also runs the README's main job itself,
 * `rfm compare --data data/ffhq-tpdne-4k`, and prints
 * `{"bench":"main-job","backend":...,"methods":4,"seconds":N}`; `--keep DIR` keeps that comparison
 * (tables, report, runs) in `DIR/<backend>` instead of a deleted temporary folder. `--tf-threads N`
 * starts tensorflow with N intra-op threads (`initBackend`'s `tensorflowThreads`); without it,
 * tensorflow runs with the quick preset's count as `rfm compare` does (unless
 * `TF_NUM_INTRAOP_THREADS` is set).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { countFlag, emit, flagValue, median, startBenchBackend, tensorflowThreadsFlag } from '../lib.js';
import { createAdam, createRng, inferenceHandle, RFM_NORMALIZATION, silentLogger, trainingStep, type AugmentContext } from '../../packages/core/src/index.js';
import { createBackbone } from '../../packages/models/src/index.js';
import { createErasing } from '../../packages/cli/src/erasing-methods.js';
import { PRESETS } from '../../packages/cli/src/train-config.js';
import { modelThreadsSuggestion } from '../../packages/cli/src/thread-suggestions.js';
import { runCli } from '../../packages/cli/src/main.js';
import { effectiveSuggestion } from '../../packages/cli/src/backend-flag.js';

const METHODS = ['none', 'sfe', 're', 'ae'] as const;
/** The model of the README's main job: the quick preset as it stands. */
const QUICK_RUN = {
  preset: 'quick',
  backbone: PRESETS.quick.backbone,
  backboneOptions: { ...PRESETS.quick.backboneOptions, inputSize: PRESETS.quick.size },
  batch: PRESETS.quick.batch,
} as const;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function presetSpeed(backend: string, reps: number): Promise<void> {
  const preset = PRESETS.quick;
  const size = preset.size;
  const backbone = createBackbone(preset.backbone, { ...preset.backboneOptions, inputSize: size }, createRng(1));
  const b = preset.batch;
  const images = tf.tensor4d(createRng(2).fill(new Float32Array(b * size * size * 3), -2, 2), [b, size, size, 3]);
  const labelValues = Array.from({ length: b }, (_, i) => (i < b / 2 ? 0 : 1));
  const labels = tf.tensor1d(labelValues, 'int32');
  const optimizer = createAdam({ learningRate: preset.learningRate });
  const handle = inferenceHandle(backbone);
  const rng = createRng(3);
  const plugins = Object.fromEntries(METHODS.map((m) => [m, m === 'none' ? null : createErasing(m, { inputSize: size })]));
  const times: Record<string, number[]> = Object.fromEntries(METHODS.map((m) => [m, []]));
  for (let rep = -1; rep < reps; rep++) {
    for (const m of METHODS) {
      const t0 = performance.now();
      let x = images;
      let extra: tf.Tensor[] = [];
      const plugin = plugins[m];
      if (plugin) {
        const ctx: AugmentContext = { images, labels, labelValues, model: handle, rng, normalization: RFM_NORMALIZATION, step: rep + 1, totalSteps: reps + 1, logger: silentLogger };
        const r = await plugin.apply(ctx);
        x = r.images;
        extra = [r.images, ...(r.mask ? [r.mask] : [])];
      }
      trainingStep(backbone, optimizer, x, labels, 0.04);
      tf.dispose(extra);
      if (rep >= 0) times[m]!.push(performance.now() - t0);
    }
  }
  let trainingMs = 0;
  for (const m of METHODS) {
    const ms = median(times[m]!);
    trainingMs += ms * preset.iterations;
    emit({
      bench: 'quick-preset-iteration',
      backend,
      backbone: preset.backbone,
      options: preset.backboneOptions,
      inputSize: size,
      batch: b,
      method: m,
      medianMs: round(ms),
      minMs: round(Math.min(...times[m]!)),
      iterationsPerSecond: round(1000 / ms, 2),
      reps,
    });
  }
  emit({ bench: 'main-job-training-estimate', backend, methods: METHODS.length, iterations: preset.iterations, seconds: round(trainingMs / 1000), note: 'training iterations only (no validation, data loading or test scoring)' });
  tf.dispose([images, labels]);
  optimizer.dispose();
  backbone.dispose();
}

async function mainJob(backend: string, data: string, keep: string | undefined): Promise<void> {
  const out = keep === undefined ? mkdtempSync(join(tmpdir(), 'rfm-bench-main-job-')) : join(keep, backend);
  const lines: string[] = [];
  const io = { out: (t: string) => void lines.push(t), err: () => {}, interactive: false };
  const t0 = performance.now();
  try {
    const code = await runCli(['compare', '--data', data, '--out', keep === undefined ? join(out, 'compare') : out, '--backend', backend], io);
    const seconds = round((performance.now() - t0) / 1000);
    if (code !== 0) emit({ bench: 'main-job', backend, failed: code });
    else emit({ bench: 'main-job', backend, methods: METHODS.length, seconds });
  } finally {
    if (keep === undefined) rmSync(out, { recursive: true, force: true });
  }
}

/** Runs the suite; see the file comment for the arguments. */
export async function run(argv: string[]): Promise<void> {
  const backends = (flagValue(argv, '--backends') ?? flagValue(argv, '--backend') ?? 'wasm,tensorflow').split(',');
  const reps = countFlag(argv, '--reps') ?? 10;
  const data = flagValue(argv, '--data') ?? fileURLToPath(new URL('../../data/ffhq-tpdne-4k', import.meta.url));
  for (const requested of backends) {
    // As `rfm compare` chooses: the flag, else the environment's count, else the small-model rule.
    const flag = tensorflowThreadsFlag(argv);
    const suggested = effectiveSuggestion(flag, process.env, modelThreadsSuggestion(QUICK_RUN).tensorflow);
    const backend = await startBenchBackend(requested, { tensorflowThreads: flag ?? suggested?.threads });
    if (backend === undefined) continue;
    await presetSpeed(backend, reps);
    if (argv.includes('--full')) await mainJob(backend, data, flagValue(argv, '--keep'));
  }
}
