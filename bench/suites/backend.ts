/**
 * `pnpm bench backend [--quick] [--models small,xception,patch,xception-s224] [--backends tensorflow,wasm,cpu] [--reps N]
 * [--batch N] [--no-profile] [--top N] [--batch-norm fused,layers] [--cpu-all] [--wasm-threads N] [--tf-threads N] [--no-recompute] [--warmup N]`
 *
 * Median time of one training step (forward, backward, Adam update through `optimizer.minimize`,
 * CE + flooding) and of one FAM pass (input gradient of the logit gap, inference mode) per model
 * and backend, their cpu/wasm ratios, and the wasm step broken down by kernel (exclusive times).
 * One JSON line per case on stdout. Every figure of one invocation comes from the same run; cases
 * that take minutes (Xception on cpu) run one repetition. `--batch-norm` picks the backbones'
 * batch-norm layers (`fused`: core's `RfmBatchNormalization`, the default; `layers`: tfjs-layers'
 * own); with both, each model runs with each kind in turn, in the same process.
 * Each `train-step` and `fam-pass` line also gives `kernelCalls` (the latter with its top kernels) (kernel invocations of one step, all nesting
 * depths), `peakRssMb` (the process' peak so far: run one model and backend per invocation for a
 * per-case figure) and, on wasm, `wasmHeapMb`. `xception-s224` (the paper's full Xception at 224
 * px) is opt-in; a step runs in micro-batches where the batch would not fit (wasm), as in training.
 * `--wasm-threads N` starts wasm with N XNNPACK threads (`initBackend`'s `threads`; default 1).
 * `--tf-threads N` starts tensorflow with N intra-op threads (`initBackend`'s
 * `tensorflowThreads`; default TensorFlow's own, one per core).
 * `--no-recompute` keeps every batch-norm output through the backward pass instead of rebuilding the
 * large ones (`recomputeMinBytes(Infinity)`), for a memory and time comparison.
 * `--warmup N` untimed training steps before the timed ones (default 2, as the PyTorch reference:
 * one step, then one RFM iteration; the steps after the first still ran up to 1.5x slower on
 * tensorflow, which creates its kernels and buffers on first use); `firstMs` is the first of them.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { BenchUsageError, countFlag, emit, flagValue, median, tensorflowThreadsFlag, wasmThreadsFlag } from '../lib.js';
// Workspace sources by path: the root package does not depend on the @rfm packages.
import {
  accumulatedTrainingStep,
  createAdam,
  createRng,
  createSmallBackbone,
  errorMessage,
  inferenceHandle,
  planTrainingMemory,
  logitGap,
  recomputeMinBytes,
  type Backbone,
  type BatchNormKind,
} from '../../packages/core/src/index.js';
import { createBackbone } from '../../packages/models/src/index.js';
import { initBackend, profileKernels } from '../../packages/backend/src/index.js';

interface ModelCase {
  readonly key: string;
  readonly inputSize: number;
  readonly build: (batchNorm: BatchNormKind) => Backbone;
  /**
   * Repetitions on cpu (the pure-JS backend is very slow for Xception); 0 = skipped on cpu unless
   * `--cpu-all` is given (one Patch step takes about 15 minutes there).
   */
  readonly cpuReps: number;
}

const MODELS: Record<string, ModelCase> = {
  small: { key: 'small', inputSize: 64, build: (batchNorm) => createSmallBackbone({ inputSize: 64, batchNorm }, createRng(1)), cpuReps: 3 },
  xception: {
    key: 'xception-w0.25-s128',
    inputSize: 128,
    build: (batchNorm) => createBackbone('xception', { widthMultiplier: 0.25, inputSize: 128, batchNorm }, createRng(1)),
    cpuReps: 1,
  },
  /** The paper's network: full width, 224 px (opt-in: `--models xception-s224`; about 20 s per wasm step). */
  'xception-s224': {
    key: 'xception-s224',
    inputSize: 224,
    build: (batchNorm) => createBackbone('xception', { inputSize: 224, batchNorm }, createRng(1)),
    cpuReps: 0,
  },
  patch: {
    key: 'patch-cut2-s128',
    inputSize: 128,
    build: (batchNorm) => createBackbone('patch', { cut: 2, inputSize: 128, batchNorm }, createRng(1)),
    cpuReps: 0,
  },
};

interface Args {
  readonly models: string[];
  readonly backends: string[];
  readonly reps: number;
  readonly batch: number;
  readonly profile: boolean;
  readonly top: number;
  readonly batchNorms: BatchNormKind[];
  readonly cpuAll: boolean;
  readonly wasmThreads: number;
  readonly tensorflowThreads: number | undefined;
  readonly recompute: boolean;
  readonly warmup: number;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => flagValue(argv, name);
  const quick = argv.includes('--quick');
  const args: Args = {
    models: (value('--models') ?? 'small,xception,patch').split(','),
    backends: (value('--backends') ?? 'tensorflow,wasm,cpu').split(','),
    reps: countFlag(argv, '--reps') ?? (quick ? 2 : 5),
    batch: countFlag(argv, '--batch') ?? 16,
    profile: !argv.includes('--no-profile'),
    top: countFlag(argv, '--top') ?? 15,
    batchNorms: (value('--batch-norm') ?? 'fused').split(',') as BatchNormKind[],
    cpuAll: argv.includes('--cpu-all'),
    wasmThreads: wasmThreadsFlag(argv) ?? 1,
    tensorflowThreads: tensorflowThreadsFlag(argv),
    recompute: !argv.includes('--no-recompute'),
    warmup: countFlag(argv, '--warmup') ?? 2,
  };
  for (const name of args.models) {
    if (MODELS[name] === undefined) throw new BenchUsageError(`unknown model "${name}"; known: ${Object.keys(MODELS).join(', ')}`);
  }
  for (const kind of args.batchNorms) {
    if (kind !== 'fused' && kind !== 'layers') throw new BenchUsageError(`unknown --batch-norm "${String(kind)}"; known: fused, layers`);
  }
  return args;
}


const round = (x: number): number => Math.round(x * 10) / 10;

/** Process CPU time (user + system) of every timed call, ms: less sensitive to other jobs than wall time. */
const cpuTimes: number[] = [];

/** Wall time of `fn` (which finishes its work by awaiting data); its CPU time goes to `cpuTimes`. */
async function time(fn: () => Promise<void>): Promise<number> {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  const used = process.cpuUsage(c);
  cpuTimes.push((used.user + used.system) / 1000);
  return wall;
}

/** Median CPU time of the last `n` timed calls. */
const cpuMedian = (n: number): number => median(cpuTimes.slice(-n));

function makeBatch(batch: number, size: number): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const rng = createRng(11);
  const data = new Float32Array(batch * size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const x = tf.tensor4d(data, [batch, size, size, 3]);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32');
  return { x, labels };
}

async function benchModel(model: ModelCase, backend: string, batchNorm: BatchNormKind, a: Args): Promise<Record<string, number>> {
  await tf.setBackend(backend);
  const backbone = model.build(batchNorm);
  const { x, labels } = makeBatch(a.batch, model.inputSize);
  const optimizer = createAdam();
  // As the trainer does: the whole batch unless the step would not fit (wasm's 4 GB heap).
  const plan = planTrainingMemory(backbone, a.batch, 'auto', backend);
  const step = async (): Promise<void> => {
    accumulatedTrainingStep(backbone, optimizer, x, labels, 0.04, plan.microBatch);
    await Promise.resolve();
  };
  const handle = inferenceHandle(backbone, plan.microBatch);
  const fam = async (): Promise<void> => {
    const g = handle.inputGradient(x, (o) => logitGap(o.logits));
    await g.data();
    g.dispose();
  };
  const slow = backend === 'cpu';
  const reps = slow ? Math.min(a.reps, Math.max(1, model.cpuReps)) : a.reps;
  const base = {
    model: model.key,
    batch: a.batch,
    backend,
    batchNorm,
    ...(backend === 'wasm' ? { threads: a.wasmThreads } : {}),
    ...(backend === 'tensorflow' && a.tensorflowThreads !== undefined ? { threads: a.tensorflowThreads } : {}),
    ...(a.recompute ? {} : { recompute: false }),
  };

  // The first steps build optimizer slots, kernels, buffers and (on wasm) XNNPACK operators; timed apart.
  const firstMs = await time(step);
  for (let i = 1; i < (slow ? 1 : a.warmup); i++) await time(step);
  // Kernel calls of one step (all nesting depths), counted under the profiler after the warm-up.
  const profile = a.profile && backend !== 'cpu' ? await profileKernels(step) : null;
  const steps: number[] = [];
  if (slow && reps === 1) steps.push(firstMs);
  else for (let i = 0; i < reps; i++) steps.push(await time(step));
  const stepMs = median(steps);
  const stepCpu = cpuMedian(steps.length);
  emit({
    bench: 'train-step',
    ...base,
    medianMs: round(stepMs),
    cpuMs: round(stepCpu),
    reps: steps.length,
    firstMs: round(firstMs),
    warmupSteps: slow ? 1 : a.warmup,
    minMs: round(Math.min(...steps)),
    maxMs: round(Math.max(...steps)),
    kernelCalls: profile?.calls ?? null,
    microBatch: plan.microBatch,
    ...memoryFigures(),
  });

  const fams: number[] = [];
  const famFirst = await time(fam);
  if (slow && reps === 1) fams.push(famFirst);
  else for (let i = 0; i < reps; i++) fams.push(await time(fam));
  const famMs = median(fams);
  // Where a FAM pass goes (kernel calls and exclusive times), after its warm-up.
  const famProfile = a.profile && backend !== 'cpu' ? await profileKernels(fam) : null;
  emit({
    bench: 'fam-pass',
    ...base,
    medianMs: round(famMs),
    cpuMs: round(cpuMedian(fams.length)),
    reps: fams.length,
    firstMs: round(famFirst),
    minMs: round(Math.min(...fams)),
    kernelCalls: famProfile?.calls ?? null,
    top: famProfile?.kernels.slice(0, a.top).map((k) => ({ kernel: k.name, calls: k.calls, ms: round(k.exclusiveMs) })) ?? null,
  });

  if (profile !== null) {
    const p = profile;
    emit({
      bench: 'step-kernels',
      ...base,
      kernelMs: round(p.kernelMs),
      profiledWallMs: round(p.wallMs),
      calls: p.calls,
      top: p.kernels.slice(0, a.top).map((k) => ({ kernel: k.name, calls: k.calls, ms: round(k.exclusiveMs), inclusiveMs: round(k.inclusiveMs) })),
    });
  }
  tf.dispose([x, labels]);
  optimizer.dispose();
  backbone.dispose();
  return { step: stepMs, fam: famMs };
}

/**
 * Peak resident memory of the process so far (`peakRssMb`: a per-case figure when the case runs
 * alone, `--models X --backends Y`), and on wasm the size of its heap (`wasmHeapMb`, which only grows).
 */
function memoryFigures(): { peakRssMb: number; wasmHeapMb?: number } {
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
  return wasm ? { peakRssMb, wasmHeapMb: Math.round(wasm.HEAPU8.buffer.byteLength / 1024 ** 2) } : { peakRssMb };
}

/** Runs the suite; see the file comment for the arguments. */
export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  if (!a.recompute) recomputeMinBytes(Infinity);
  const available: string[] = [];
  for (const backend of a.backends) {
    try {
      const report = await initBackend(backend as 'tensorflow' | 'wasm' | 'cpu', { threads: a.wasmThreads, tensorflowThreads: a.tensorflowThreads });
      available.push(backend);
      emit({ bench: 'backend', backend, module: report.module, summary: report.summary, detail: report.detail });
    } catch (e) {
      emit({ bench: 'backend-skipped', backend, reason: errorMessage(e) });
    }
  }
  emit({ bench: 'load', loadavg: (await import('node:os')).loadavg().map(round), note: 'machine shared with other jobs; timings are noisy' });
  for (const name of a.models) {
    for (const batchNorm of a.batchNorms) await benchAll(MODELS[name]!, batchNorm, available, a);
  }
}

/** One model with one batch-norm kind on every available backend, then the ratios. */
async function benchAll(model: ModelCase, batchNorm: BatchNormKind, available: string[], a: Args): Promise<void> {
  const results: Record<string, Record<string, number>> = {};
  for (const backend of ['tensorflow', 'wasm', 'cpu'].filter((b) => available.includes(b))) {
    if (backend === 'cpu' && model.cpuReps === 0 && !a.cpuAll) {
      emit({ bench: 'skipped', model: model.key, backend, reason: 'minutes per step on the pure-JS backend; pass --cpu-all to run it' });
      continue;
    }
    results[backend] = await benchModel(model, backend, batchNorm, a);
  }
  for (const [num, den] of [
    ['cpu', 'wasm'],
    ['wasm', 'tensorflow'],
  ] as const) {
    if (results[num] && results[den]) {
      for (const what of ['step', 'fam'] as const) {
        emit({
          bench: 'ratio',
          of: what === 'step' ? 'train-step' : 'fam-pass',
          model: model.key,
          batch: a.batch,
          batchNorm,
          numerator: num,
          denominator: den,
          ratio: round(results[num]![what]! / results[den]![what]!),
        });
      }
    }
  }
}
