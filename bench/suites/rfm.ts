/**
 * `pnpm bench rfm [--models small,xception,xception-s224,xception-w<W>-s<S>] [--reps N] [--batch N] [--backends wasm,tensorflow]
 * [--methods plain,sfe,psfe] [--no-recompute] [--tf-threads N] [--wasm-threads N]`
 *
 * Median time of one training iteration without augmentation ("plain"), with SFE and with PSFE
 * (iteration = the plugin's `apply` + `trainingStep(backbone, adam, images, labels, 0.04)`), for
 * the `small` backbone and Xception width 0.25, both at 128 px, and (opt-in, `--models
 * xception-s224`) the full Xception at 224 px, or any width and size (`xception-w0.35-s128`), batch 16 (8 real + 8 fake labels),
 * on each backend of `--backends` (default wasm and tensorflow; one that cannot load prints why).
 * Also the time SFE spends building its masks on the CPU (the anchor search and block placement
 * for the 16 images, timed on the same attention maps outside the iteration) and its share of an
 * SFE iteration. On wasm, whose FAM pass runs eagerly, it also times that pass' convolutions kernel
 * by kernel (forward and input gradient, `famConvolutionMs`) and gives the SFE/plain they alone
 * would make (`sfeOverPlainFloor`): the floor no cheaper erasing or dispatch can go below.
 * `--no-recompute` keeps every batch-norm output through the backward pass
 * (`recomputeMinBytes(Infinity)`), for comparison. The three methods are interleaved repetition by repetition so that load from
 * other processes hits them alike, in reverse order every other repetition. One JSON line per case
 * on stdout, then one ratio line per model (on tensorflow with `fusedPointwise`: whether inference
 * passes ran the fused pointwise op). `--tf-threads N` starts tensorflow with N
 * intra-op threads (`initBackend`'s `tensorflowThreads`), `--wasm-threads N` wasm with N XNNPACK
 * threads (`threads`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { countFlag, emit, flagValue, median, modelSuiteArgs, startBenchBackend, threadsField, type ModelSuiteArgs } from '../lib.js';
import type { ModelCase } from '../models.js';
import { forgeryAttentionMap } from '../../packages/attention/src/index.js';
import {
  createAdam,
  createRng,
  errorMessage,
  inferenceHandle,
  RFM_NORMALIZATION,
  silentLogger,
  accumulatedTrainingStep,
  planTrainingMemory,
  recomputeMinBytes,
  type AugmentContext,
  type Augmentation,
} from '../../packages/core/src/index.js';
import { placeSfeBlocks, resolveSfeOptions, SuspiciousForgeriesErasing } from '../../packages/augment-sfe/src/index.js';
import { ProgressiveSfe } from '../../packages/augment-psfe/src/index.js';
import { fusedPointwiseActive, profileKernels } from '../../packages/backend/src/index.js';
import { famConvolutionMs, sfeOverPlainFloor } from '../fam-floor.js';

/** The paper's blocks (120 px at 224) scaled to the input size, as the CLI does. */
const SFE_OPTIONS = { maxHeight: 120 / 224, maxWidth: 120 / 224 };

interface Args extends ModelSuiteArgs {
  readonly batch: number;
  readonly methods: string[];
  readonly recompute: boolean;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => flagValue(argv, name);
  return {
    ...modelSuiteArgs(argv, { reps: 5, backends: 'wasm,tensorflow' }),
    batch: countFlag(argv, '--batch') ?? 16,
    methods: (value('--methods') ?? 'plain,sfe,psfe').split(','),
    recompute: !argv.includes('--no-recompute'),
  };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function makeBatch(batch: number, size: number): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const values = createRng(11).fill(new Float32Array(batch * size * size * 3), -2, 2);
  const labels = Array.from({ length: batch }, (_, i) => (i < batch / 2 ? 0 : 1));
  return { images: tf.tensor4d(values, [batch, size, size, 3]), labels: tf.tensor1d(labels, 'int32') };
}

/** CPU time of SFE's mask building for one batch, on the given attention maps. */
function timeMasks(fam: Float32Array, batch: number, size: number, seed: number): number {
  const options = resolveSfeOptions(SFE_OPTIONS);
  const rng = createRng(seed);
  const n = size * size;
  const t = performance.now();
  const keep = new Float32Array(batch * n).fill(1);
  for (let i = 0; i < batch; i++) {
    placeSfeBlocks({ height: size, width: size, keep: keep.subarray(i * n, (i + 1) * n), used: new Uint8Array(n) }, fam.subarray(i * n, (i + 1) * n), options.blocks, options, rng);
  }
  return performance.now() - t;
}

async function benchModel(model: ModelCase, a: Args, backend: string): Promise<void> {
  const backbone = model.build();
  const { images, labels } = makeBatch(a.batch, model.inputSize);
  const labelValues = Array.from(labels.dataSync());
  const optimizer = createAdam();
  // As the trainer does: micro-batches (and FAM chunks) only where the step would not fit.
  const plan = planTrainingMemory(backbone, a.batch, 'auto', backend);
  const handle = inferenceHandle(backbone, plan.microBatch);
  const plugins: Record<string, Augmentation | null> = {
    plain: null,
    sfe: new SuspiciousForgeriesErasing(SFE_OPTIONS),
    psfe: new ProgressiveSfe(SFE_OPTIONS),
  };
  const rng = createRng(5);
  const iteration = async (plugin: Augmentation | null, step: number): Promise<{ total: number; augment: number }> => {
    const t0 = performance.now();
    let x = images;
    let dispose: tf.Tensor[] = [];
    if (plugin) {
      const ctx: AugmentContext = { images, labels, labelValues, model: handle, rng, normalization: RFM_NORMALIZATION, step, totalSteps: a.reps + 1, logger: silentLogger };
      const r = await plugin.apply(ctx);
      x = r.images;
      dispose = [r.images, ...(r.mask ? [r.mask] : [])];
    }
    const t1 = performance.now();
    accumulatedTrainingStep(backbone, optimizer, x, labels, 0.04, plan.microBatch);
    tf.dispose(dispose);
    return { total: performance.now() - t0, augment: t1 - t0 };
  };
  const names = Object.keys(plugins).filter((n) => n === 'plain' || a.methods.includes(n));
  const times: Record<string, { total: number[]; augment: number[]; first: number }> = {};
  // Warm-up: optimizer slots, kernels and (on wasm) XNNPACK operators are created on first use.
  for (const name of names) times[name] = { total: [], augment: [], first: (await iteration(plugins[name]!, 0)).total };
  const masks: number[] = [];
  const famConvolutions: number[] = [];
  for (let rep = 0; rep < a.reps; rep++) {
    // Every other repetition runs the methods in reverse order: an iteration runs faster or slower
    // by its place in the sequence (up to 15% measured on tensorflow w0.25), so no method keeps one place.
    for (const name of rep % 2 === 0 ? names : [...names].reverse()) {
      const t = await iteration(plugins[name]!, rep + 1);
      times[name]!.total.push(t.total);
      times[name]!.augment.push(t.augment);
    }
    let values: Float32Array = new Float32Array(0);
    const famPass = async (): Promise<void> => {
      const fam = forgeryAttentionMap(handle, images);
      values = (await fam.data()) as Float32Array;
      fam.dispose();
    };
    // wasm runs the pass eagerly, so its kernels can be timed; tensorflow runs it as one graph.
    if (backend === 'wasm') famConvolutions.push(famConvolutionMs(await profileKernels(famPass)));
    else await famPass();
    masks.push(timeMasks(values, a.batch, model.inputSize, rep));
  }
  const maskMs = median(masks);
  const med = (name: string) => median(times[name]!.total);
  for (const name of names) {
    const t = times[name]!;
    emit({
      bench: 'rfm-iteration',
      model: model.key,
      inputSize: model.inputSize,
      batch: a.batch,
      backend,
      method: name,
      medianMs: round(med(name)),
      maskMs: name === 'sfe' ? round(maskMs, 2) : name === 'plain' ? 0 : null,
      augmentMs: round(median(t.augment)),
      minMs: round(Math.min(...t.total)),
      maxMs: round(Math.max(...t.total)),
      firstMs: round(t.first),
      reps: t.total.length,
      microBatch: plan.microBatch,
      ...threadsField(backend, a.tensorflowThreads, a.wasmThreads),
      ...(a.recompute ? {} : { recompute: false }),
    });
  }
  emit({
    bench: 'rfm-ratio',
    model: model.key,
    backend,
    ...threadsField(backend, a.tensorflowThreads, a.wasmThreads),
    ...(a.recompute ? {} : { recompute: false }),
    ...(backend === 'tensorflow' ? { fusedPointwise: fusedPointwiseActive() } : {}),
    sfeOverPlain: round(med('sfe') / med('plain'), 3),
    // The same ratio from its parts (plain step + SFE's median augmentation time): steadier when
    // other jobs load the machine, since the step after erasing costs what the plain step costs.
    sfeOverPlainByParts: names.includes('sfe') ? round(1 + median(times['sfe']!.augment) / med('plain'), 3) : null,
    psfeOverPlain: names.includes('psfe') ? round(med('psfe') / med('plain'), 3) : null,
    // The least SFE/plain can be with the FAM pass' convolutions alone (wasm; null elsewhere).
    famConvolutionMs: famConvolutions.length > 0 ? round(median(famConvolutions)) : null,
    sfeOverPlainFloor: famConvolutions.length > 0 ? round(sfeOverPlainFloor(median(famConvolutions), med('plain')), 3) : null,
    maskShareOfSfeIteration: round(maskMs / med('sfe'), 5),
    targets: { sfeOverPlain: 1.5, maskShare: 0.01 },
  });
  tf.dispose([images, labels]);
  optimizer.dispose();
  backbone.dispose();
}

/** Runs the suite; see the file comment for the arguments. Backends that cannot load print one line saying why. */
export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  if (!a.recompute) recomputeMinBytes(Infinity);
  for (const requested of a.backends) {
    const backend = await startBenchBackend(requested, { tensorflowThreads: a.tensorflowThreads, threads: a.wasmThreads });
    if (backend === undefined) continue;
    for (const model of a.models) await benchModel(model, a, backend);
  }
}
