/**
 * Backend parity: the same networks, weights and batch on every backend present (`cpu`, `wasm`
 * with the training kernels, native `tensorflow`) give the same forward outputs, input gradients
 * (FAM), weight gradients and Adam step, within float32 tolerance. `cpu` is the reference.
 * A backend that is absent shows as SKIPPED, with the reason in the suite's title (never as passed).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  type Backbone,
  BATCH_NORM_REBUILD_KERNEL,
  BATCH_NORM_TRAINING_KERNEL,
  batchNormTraining,
  classificationLoss,
  CONV_BIAS_ACTIVATION_KERNEL,
  convBiasActivation,
  type ConvBiasActivationAttrs,
  createRng,
  createSmallBackbone,
  FlatAdamOptimizer,
  hasBatchNormRebuildKernel,
  inferenceHandle,
  logitGap,
  recomputeMinBytes,
  releaseDuringBackward,
  RfmBatchNormalization,
} from '@rfm/core';
import { createBackbone } from '@rfm/models';
import { maxRelativeError } from '@rfm/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, type BackendName } from './errors.js';
import { initBackend } from './init-backend.js';
import { RELU_GRAD_KERNEL } from './relu-grad.js';
import { registerNativeKernelPatches } from './tensorflow/native-kernel-patches.js';
import { batchNormRoute } from './tensorflow/tensorflow-batch-norm-training.js';
import { oneDnnConvBiasAvailable } from './tensorflow/onednn-conv-bias.js';
import { oneDnnPoolingAvailable } from './tensorflow/onednn-max-pool-grad.js';
import { nativeAddonStatus } from '@rfm/native-build';

/**
 * Tolerances: max |a - b| / max |reference| over each tensor (per weight for gradients); for the
 * Adam step, the weight difference beyond float32 rounding in units of the learning rate (see
 * {@link adamError}). Measured worst cases on this machine (docs/backends.md), wasm and
 * tensorflow (oneDNN) alike: forward ≤ 1.2e-6, FAM ≤ 7.4e-7, weight gradients ≤ 1.4e-5 (Xception
 * with 8 middle blocks), Adam ≤ 1.7e-6. The limits leave a margin of about 7x or more.
 */
const TOLERANCE: Record<Category, number> = { forward: 1e-5, fam: 1e-5, gradient: 1e-4, adam: 1e-4 };

type Category = 'forward' | 'fam' | 'gradient' | 'adam';

function categoryOf(name: string): Category {
  if (name.startsWith('FAM')) return 'fam';
  if (name.startsWith('weight gradient')) return 'gradient';
  if (name.startsWith('Adam: weights')) return 'adam';
  return 'forward';
}

/** Adam's first step is lr·g/(|g|+ε): its sign is noise where |g| is round-off; such entries are left out. */
const ADAM_MASK = 1e-3;
const LR = 1e-3;

type Arrays = Map<string, Float32Array>;
interface Model {
  readonly name: string;
  readonly build: () => Backbone;
  readonly batch: number;
}

const MODELS: Model[] = [
  { name: 'small backbone (32 px, width 8)', build: () => createSmallBackbone({ inputSize: 32, width: 8 }, createRng(11)), batch: 4 },
  {
    name: 'xception (width 0.125, 71 px, 2 middle blocks)',
    build: () => createBackbone('xception', { widthMultiplier: 0.125, inputSize: 71, middleBlocks: 2 }, createRng(12)),
    batch: 2,
  },
];

// ---- which backends are here ------------------------------------------------------------------

const presence: Record<BackendName, { present: boolean; reason: string }> = {
  cpu: await probe('cpu'),
  wasm: await probe('wasm'),
  tensorflow: await probe('tensorflow'),
};
if (presence.tensorflow.present) registerNativeKernelPatches();
await tf.setBackend('cpu');
console.info(
  `[backend-parity] ${(Object.keys(presence) as BackendName[])
    .map((b) => `${b}: ${presence[b].present ? 'present' : `ABSENT (${presence[b].reason})`}`)
    .join('; ')}`,
);

async function probe(backend: BackendName): Promise<{ present: boolean; reason: string }> {
  try {
    const r = await initBackend(backend, { nativeModules: ['@tensorflow/tfjs-node'] });
    return { present: r.backend === backend, reason: r.summary };
  } catch (e) {
    if (e instanceof BackendUnavailableError) return { present: false, reason: e.reason };
    throw e;
  }
}

// ---- what is compared -------------------------------------------------------------------------

/** Copies of the initial weights of a model, built once on cpu, so every backend starts equal. */
const initial = new Map<string, Float32Array[]>();

/**
 * Seed of the compared batch. A training step is only piecewise smooth (ReLUs, max pools): at some
 * inputs float32 rounding flips a decision and moves the weight gradients by percents. The former
 * seed, 99, was such a point for the Xception case: 1e-7 of input noise moved cpu's own gradients
 * by 11.5%, so a change of rounding order (fused multiply-adds in wasm's GEMM) failed the 1e-4
 * gradient limit with every value computed correctly. Measured for seeds 1-16 on cpu, 9 of 16 are
 * smooth at that scale; of those, 3, 6, 8, 14 and 16 also keep wasm's and tensorflow's gradient
 * errors at 3-8e-6 (seed 5, the smoothest on cpu, flips a max pool of the first block on
 * tensorflow). The test "the compared batch sits where …" below checks this seed stays smooth.
 */
const BATCH_SEED = 3;

function batchFor(model: Model, size: number, noise = 0): { x: Float32Array; labels: Int32Array } {
  const rng = createRng(BATCH_SEED);
  const jitter = createRng(BATCH_SEED + 1);
  const x = new Float32Array(model.batch * size * size * 3);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal() + noise * jitter.normal();
  const labels = Int32Array.from({ length: model.batch }, (_, i) => i % 2);
  return { x, labels };
}

/** Runs the suite on the active backend; returns every compared quantity, flattened. */
async function runSuite(model: Model): Promise<Arrays> {
  const before = tf.memory().numTensors;
  const out: Arrays = new Map();
  const backbone = model.build();
  const size = backbone.config.inputSize;
  const vars = backbone.trainableWeights();
  const all = backbone.model.weights;
  if (!initial.has(model.name)) initial.set(model.name, all.map((w) => w.read().dataSync() as Float32Array).map((a) => a.slice()));
  const start = initial.get(model.name)!.map((a, i) => tf.tensor(a, all[i]!.shape as number[]));
  backbone.model.setWeights(start);
  tf.dispose(start);
  const { x: xData, labels: labelData } = batchFor(model, size);
  const x = tf.tensor4d(xData, [model.batch, size, size, 3]);
  const labels = tf.tensor1d(labelData, 'int32');
  const read = (name: string, t: tf.Tensor): void => {
    out.set(name, (t.dataSync() as Float32Array).slice());
  };

  tf.tidy(() => {
    const inference = backbone.apply(x, false);
    read('forward: logits (inference)', inference.logits);
    read('forward: feature map (inference)', inference.featureMap);
  });
  const fam = inferenceHandle(backbone).inputGradient(x, (o) => logitGap(o.logits));
  read('FAM: input gradient of the logit gap', fam);
  fam.dispose();

  const { value, grads } = tf.variableGrads(() => classificationLoss(backbone.apply(x, true).logits, labels), vars);
  read('loss (training mode)', value);
  const key = (i: number): string => `#${i} [${vars[i]!.shape.join(', ')}]`;
  vars.forEach((v, i) => read(`weight gradient ${key(i)}`, grads[v.name]!));
  tf.dispose([value, ...Object.values(grads)]);

  const optimizer = tf.train.adam(LR);
  const loss = optimizer.minimize(() => classificationLoss(backbone.apply(x, true).logits, labels), true, vars);
  read('Adam: loss of the step', loss!);
  loss!.dispose();
  vars.forEach((v, i) => {
    out.set(`Adam: weights after the step ${key(i)}`, (v.dataSync() as Float32Array).slice());
  });
  optimizer.dispose();
  tf.dispose([x, labels]);
  backbone.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

/** Spacing of float32 numbers around `x`. */
function ulp32(x: number): number {
  const a = Math.abs(x);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/**
 * Adam-step difference in units of the learning rate: `max (|w_got - w_want| - ulp(w)) / lr` over
 * the entries whose reference gradient exceeds `ADAM_MASK · max|g|`. The weights before the step
 * are identical, so the ulp term removes the float32 rounding of `w + Δ` (about 1e-4·lr for the
 * batch-norm scales, which start at 1.0).
 */
function adamError(got: Float32Array, want: Float32Array, grad: Float32Array): number {
  const cut = ADAM_MASK * maxAbs(grad);
  let worst = 0;
  for (let j = 0; j < want.length; j++) {
    if (Math.abs(grad[j]!) <= cut) continue;
    worst = Math.max(worst, Math.abs(got[j]! - want[j]!) - ulp32(Math.max(Math.abs(got[j]!), Math.abs(want[j]!))));
  }
  return worst / LR;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

// ---- the tests --------------------------------------------------------------------------------

const reference = new Map<string, Arrays>();
const worst: string[] = [];

async function referenceFor(model: Model): Promise<Arrays> {
  if (!reference.has(model.name)) {
    await tf.setBackend('cpu');
    reference.set(model.name, await runSuite(model));
  }
  return reference.get(model.name)!;
}

afterAll(async () => {
  if (worst.length > 0) console.info(`[backend-parity] worst relative errors vs cpu:\n  ${worst.join('\n  ')}`);
  await tf.setBackend('cpu');
});

describe('backend presence', () => {
  it('cpu is always present', () => {
    expect(presence.cpu.present).toBe(true);
  });

  it('wasm is present (the wasm binaries ship with @tensorflow/tfjs-backend-wasm)', () => {
    expect(presence.wasm.reason).toBeTruthy();
    expect(presence.wasm.present).toBe(true);
  });

  const status = nativeAddonStatus();
  it(`tensorflow is present iff the native addon is built (addon: ${status.built ? 'built' : 'not built'}; backend: ${presence.tensorflow.present ? 'present' : 'absent'})`, () => {
    expect(presence.tensorflow.present).toBe(status.built);
  });
});

/** Weight gradients of one training-mode loss on cpu at the compared batch plus `noise` times fixed normal noise. */
function cpuWeightGradients(model: Model, noise: number): Float32Array[] {
  const backbone = model.build();
  const size = backbone.config.inputSize;
  const { x: xData, labels: labelData } = batchFor(model, size, noise);
  const vars = backbone.trainableWeights();
  const result = tf.tidy(() => {
    const x = tf.tensor4d(xData, [model.batch, size, size, 3]);
    const { grads } = tf.variableGrads(() => classificationLoss(backbone.apply(x, true).logits, tf.tensor1d(labelData, 'int32')), vars);
    return vars.map((v) => (grads[v.name]!.dataSync() as Float32Array).slice());
  });
  backbone.dispose();
  return result;
}

describe('the compared batch', () => {
  // The gradient limit below (1e-4) only means something where rounding cannot flip a ReLU or a
  // max pool: there, 1e-7 of input noise (float32 rounding of the inputs) moves the gradients by
  // about as much as rounding does, far below the limit.
  for (const model of MODELS) {
    it(`sits where the training step is smooth on cpu: ${model.name}`, async () => {
      await tf.setBackend('cpu');
      const at = cpuWeightGradients(model, 0);
      const near = cpuWeightGradients(model, 1e-7);
      const moved = Math.max(...at.map((g, i) => maxRelativeError(near[i]!, g)));
      expect(moved).toBeLessThan(1e-5);
    });
  }
});

it.skipIf(presence.tensorflow.present)('without the tensorflow backend, registering its kernel patches registers nothing', () => {
  expect(registerNativeKernelPatches()).toEqual([]);
});

/** Runs `run` on cpu, then on `backend` (where it must leave no tensor behind); cpu is active again after. */
async function onCpuAndBackend<T>(backend: string, run: () => T): Promise<{ want: T; got: T }> {
  const want = run();
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const got = run();
  expect(tf.memory().numTensors).toBe(before);
  await tf.setBackend('cpu');
  return { want, got };
}

for (const backend of ['wasm', 'tensorflow'] as const) {
  const { present, reason } = presence[backend];
  describe.skipIf(!present)(`${backend} vs cpu${present ? '' : ` (SKIPPED: ${backend} is absent: ${reason})`}`, () => {
    it(`batchNormTraining runs as the fused ${backend} kernels and matches cpu (values, statistics, gradients; 5, 21 and 200 channels)`, async () => {
      // 21 and 200 channels: SIMD lanes plus a remainder on wasm. On tensorflow the three cases take
      // the three routes of batchNormRoute: oneDNN as is (5), TensorFlow's Eigen kernel on a 5-D view
      // (21), and padded to 208 channels for oneDNN's fast path ([4, 26, 26, 200]).
      const routes: string[] = [];
      for (const [h, c] of [
        [7, 5],
        [7, 21],
        [26, 200],
      ] as const) {
        const rng = createRng(8);
        const xData = new Float32Array(4 * h * 26 * c).map(() => rng.normal() * 3 + 1);
        const gData = new Float32Array(c).map(() => rng.normal());
        const bData = new Float32Array(c).map(() => rng.normal());
        const wData = new Float32Array(xData.length).map(() => rng.normal());
        const run = (): Float32Array[] =>
          tf.tidy(() => {
            const x = tf.tensor4d(xData, [4, h, 26, c]);
            const g = tf.tensor1d(gData);
            const b = tf.tensor1d(bData);
            const w = tf.tensor4d(wData, [4, h, 26, c]);
            const out = batchNormTraining(x, g, b, 1e-5);
            const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
              tf.sum(tf.mul(batchNormTraining(a as tf.Tensor4D, s as tf.Tensor1D, o as tf.Tensor1D, 1e-5).y, w)),
            )([x, g, b]);
            return [out.y, out.mean, out.variance, ...grads].map((t) => (t.dataSync() as Float32Array).slice());
          });
        const want = run();
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const profile = await tf.profile(() => {
          tf.tidy(() => {
            batchNormTraining(tf.zeros([2, 3, 3, 4]) as tf.Tensor4D, null, null, 1e-3);
          });
        });
        expect(profile.kernelNames).toContain(BATCH_NORM_TRAINING_KERNEL);
        const got = run();
        if (backend === 'tensorflow') {
          const { route } = batchNormRoute([4, h, 26, c]);
          routes.push(route);
          const { kernelNames } = await tf.profile(() => {
            tf.tidy(() => {
              batchNormTraining(tf.zeros([4, h, 26, c]) as tf.Tensor4D, null, null, 1e-5);
            });
          });
          expect(kernelNames.includes('Reshape'), `C=${c}: 5-D view`).toBe(route === 'eigen');
          expect(kernelNames.includes('PadV2'), `C=${c}: padded`).toBe(route === 'pad');
        }
        expect(tf.memory().numTensors).toBe(before);
        await tf.setBackend('cpu');
        got.forEach((g, i) => expect(maxRelativeError(g, want[i]!), `C=${c} output ${i}`).toBeLessThanOrEqual(1e-5));
      }
      if (backend === 'tensorflow') expect(routes).toEqual(['onednn', 'eigen', 'pad']);
    });

    it(`FlatAdamOptimizer runs its step fused on ${backend} and follows cpu's tfjs-Adam arithmetic through 6 steps, an optimizer made on cpu, a checkpoint round trip and a switch to cpu`, async () => {
      // Weights and gradients of mixed shapes; 2 steps, save and restore into a new optimizer, 2 more
      // steps, then 2 on cpu (the moments move back to tfjs variables).
      const shapes = [[3, 3, 4, 8], [8], [5, 2], [1], [64, 33]];
      const runFlatAdam = async (onBackend: string): Promise<{ weights: Float32Array[]; moments: Float32Array[]; fused: boolean }> => {
        // Made on cpu: its β^t variables stay there while the steps run on the backend.
        await tf.setBackend('cpu');
        const first = new FlatAdamOptimizer(1e-2, 0.9, 0.999, 1e-8);
        await tf.setBackend(onBackend);
        const rng = createRng(21);
        const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(rng.fill(new Float32Array(tf.util.sizeFromShape(s)), -1, 1), s), true, `flatAdam${onBackend}${i}`)));
        const grads = (step: number): Record<string, tf.Variable> => {
          const r = createRng(50 + step);
          return Object.fromEntries(vars.map((v) => [v.name, tf.tensor(r.fill(new Float32Array(v.size), -2, 2), v.shape) as tf.Variable]));
        };
        const apply = (opt: FlatAdamOptimizer, step: number): void => {
          const g = grads(step);
          opt.applyGradients(g);
          tf.dispose(Object.values(g));
        };
        apply(first, 0);
        const before = tf.memory().numTensors;
        const { kernelNames } = await tf.profile(() => apply(first, 1));
        expect(tf.memory().numTensors).toBe(before);
        const saved = await first.getWeights();
        const second = new FlatAdamOptimizer(1e-2, 0.9, 0.999, 1e-8);
        await second.setWeights(saved);
        tf.dispose(saved.map((w) => w.tensor));
        first.dispose();
        apply(second, 2);
        apply(second, 3);
        await tf.setBackend('cpu');
        apply(second, 4);
        apply(second, 5);
        const [iterations, ...moments] = await second.getWeights();
        iterations!.tensor.dispose();
        const out = {
          weights: vars.map((v) => (v.dataSync() as Float32Array).slice()),
          moments: moments.map((m) => (m.tensor.dataSync() as Float32Array).slice()),
          // TensorFlow's fused op runs outside tfjs' kernel registry; tfjs' formulas square the gradient.
          fused: !kernelNames.includes('Square'),
        };
        tf.dispose([...vars, ...moments.map((m) => m.tensor)]);
        second.dispose();
        return out;
      };
      const want = await runFlatAdam('cpu');
      const before = tf.memory().numTensors;
      const got = await runFlatAdam(backend);
      expect(tf.memory().numTensors).toBe(before);
      // Both run the step fused: tensorflow's ResourceApplyAdam (equal within rounding), wasm's SIMD
      // module (bit-identical to tfjs' ops, as cpu runs them).
      expect(got.fused).toBe(true);
      expect(want.fused).toBe(false);
      if (backend === 'wasm') {
        expect(got.weights).toEqual(want.weights);
        expect(got.moments).toEqual(want.moments);
      }
      got.weights.forEach((g, i) => expect(maxRelativeError(g, want.weights[i]!), `weight ${i}`).toBeLessThanOrEqual(1e-6));
      // TensorFlow forms 1 − β2 from the float32 β2 (0.99900001, so 0.99998713e-3), tfjs from the
      // float64 0.999 (1.000000047e-3): the second moment moves 1.3e-5 relative per step.
      got.moments.forEach((g, i) => expect(maxRelativeError(g, want.moments[i]!), `moment ${i}`).toBeLessThanOrEqual(3e-5));
    });

    it(`convBiasActivation runs as one ${backend} kernel and matches cpu's tfjs ops (values and x, filter, bias gradients; relu and linear, same and valid, strides 1 and 2)`, async () => {
      const rng = createRng(12);
      const fill = (n: number): Float32Array => new Float32Array(n).map(() => rng.normal());
      const xData = fill(2 * 9 * 10 * 6);
      const cases: Array<{ k: number; attrs: ConvBiasActivationAttrs }> = [
        { k: 1, attrs: { strides: [1, 1], pad: 'valid', activation: 'relu' } },
        { k: 3, attrs: { strides: [2, 2], pad: 'valid', activation: 'linear' } },
        { k: 3, attrs: { strides: [1, 1], pad: 'same', activation: 'relu' } },
        { k: 3, attrs: { strides: [2, 2], pad: 'same', activation: 'relu' } },
      ];
      const weights = cases.map(({ k }) => ({ w: fill(k * k * 6 * 5), b: fill(5) }));
      const kernelsSeen = new Set<string>();
      const run = (): Float32Array[][] =>
        cases.map(({ k, attrs }, i) =>
          tf.tidy(() => {
            const x = tf.tensor4d(xData, [2, 9, 10, 6]);
            const w = tf.tensor4d(weights[i]!.w, [k, k, 6, 5]);
            const b = tf.tensor1d(weights[i]!.b);
            const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor => convBiasActivation(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D, attrs);
            const shape = f(x, w, b).shape;
            const r = tf.sub(tf.mod(tf.reshape(tf.range(0, tf.util.sizeFromShape(shape)), shape), 7), 3);
            const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, c, d), r)))([x, w, b]);
            return [f(x, w, b), ...grads].map((t) => (t.dataSync() as Float32Array).slice());
          }),
        );
      const want = run();
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      // The forward pass alone: one kernel, no separate convolution, bias add or ReLU.
      const profile = await tf.profile(() =>
        tf.tidy(() => {
          convBiasActivation(tf.tensor4d(xData, [2, 9, 10, 6]), tf.tensor4d(weights[2]!.w, [3, 3, 6, 5]), tf.tensor1d(weights[2]!.b), cases[2]!.attrs);
        }),
      );
      for (const kernel of profile.kernels) kernelsSeen.add(kernel.name);
      // On tensorflow builds without oneDNN's convolution with bias, the kernel runs tfjs-node's FusedConv2D (conv, add, relu).
      const fusedInside = backend === 'wasm' || oneDnnConvBiasAvailable();
      const got = run();
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
      expect(kernelsSeen).toContain(CONV_BIAS_ACTIVATION_KERNEL);
      if (fusedInside) for (const separate of ['Conv2D', 'Add', 'BiasAdd']) expect(kernelsSeen).not.toContain(separate);
      got.forEach((g, i) => g.forEach((t, j) => expect(maxRelativeError(t, want[i]![j]!), `case ${i} output ${j}`).toBeLessThanOrEqual(1e-5)));
    });

    it("RfmBatchNormalization equals tfjs-layers' BatchNormalization on cpu (training: outputs, input and weight gradients, moving statistics; inference)", async () => {
      const shape = [4, 6, 5, 8];
      const rng = createRng(9);
      const fill = (n: number, scale = 1, shift = 0): Float32Array => new Float32Array(n).map(() => rng.normal() * scale + shift);
      const xData = fill(shape.reduce((a, b) => a * b, 1), 2, 0.5);
      const wData = fill(xData.length);
      const start = [fill(8, 0.5, 1), fill(8), fill(8), fill(8, 0.3, 1).map(Math.abs)];
      const run = (layer: tfl.layers.Layer): Float32Array[] => {
        const before = tf.memory().numTensors;
        const input = tfl.input({ shape: shape.slice(1) });
        const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
        const init = start.map((a) => tf.tensor1d(a));
        layer.setWeights(init);
        tf.dispose(init);
        const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
        const out = tf.tidy(() => {
          const x = tf.tensor4d(xData, shape as [number, number, number, number]);
          const w = tf.tensor4d(wData, shape as [number, number, number, number]);
          const loss = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(model.apply(xi, { training: true }) as tf.Tensor, w)) as tf.Scalar;
          const y = model.apply(x, { training: true }) as tf.Tensor;
          const dx = tf.grad(loss)(x);
          const { value, grads } = tf.variableGrads(() => loss(x), vars);
          const inference = model.apply(x, { training: false }) as tf.Tensor;
          // three training passes have moved the moving statistics
          return [y, dx, value, ...vars.map((v) => grads[v.name]!), ...layer.getWeights(false), inference].map((t) => (t.dataSync() as Float32Array).slice());
        });
        model.dispose();
        expect(tf.memory().numTensors).toBe(before);
        return out;
      };
      const args = { axis: -1, momentum: 0.9, epsilon: 1e-5 };
      const want = run(tfl.layers.batchNormalization(args));
      await tf.setBackend(backend);
      const got = run(new RfmBatchNormalization(args));
      const stockHere = run(tfl.layers.batchNormalization(args));
      await tf.setBackend('cpu');
      const labels = ['y', 'dx', 'loss', 'dgamma', 'dbeta', 'gamma', 'beta', 'moving mean', 'moving variance', 'inference y'];
      expect(got).toHaveLength(labels.length);
      got.forEach((g, i) => {
        expect(maxRelativeError(g, want[i]!), `${labels[i]} vs cpu`).toBeLessThanOrEqual(1e-5);
        expect(maxRelativeError(g, stockHere[i]!), `${labels[i]} vs ${backend}'s stock layer`).toBeLessThanOrEqual(1e-5);
      });
    });

    if (backend === 'tensorflow') {
      it('max pooling with numeric / explicit padding and ceil rounding (native kernel patches) matches cpu', async () => {
        const rng = createRng(5);
        const data = new Float32Array(2 * 9 * 10 * 3).map(() => rng.normal());
        // [window, stride, padding, rounding, with gradient]. tfjs' MaxPool gradient drops the rounding
        // mode, so the cpu reference is only right for 'floor' gradients: ceil is checked forward only.
        const cases: Array<[number, number, number | tf.backend_util.ExplicitPadding, 'floor' | 'ceil' | undefined, boolean]> = [
          [3, 2, 1, 'floor', true],
          [2, 2, 1, 'floor', true],
          [3, 1, [[0, 0], [1, 0], [0, 1], [0, 0]], undefined, true],
          [3, 2, 0, 'ceil', false],
          [3, 2, 1, 'ceil', false],
          // Exactly TensorFlow's 'same' padding for 9x10: runs as a 'same' pool, without a padded copy.
          [3, 2, [[0, 0], [1, 1], [0, 1], [0, 0]], undefined, true],
        ];
        const run = (): Float32Array[] =>
          cases.flatMap(([k, s, pad, mode, withGrad]) =>
            tf.tidy(() => {
              const x = tf.tensor4d(data, [2, 9, 10, 3]);
              const f = (a: tf.Tensor): tf.Tensor => tf.maxPool(a as tf.Tensor4D, k, s, pad, mode);
              const y = f(x);
              const w = tf.range(1, y.size + 1);
              const out = [new Float32Array(y.shape), y.dataSync() as Float32Array];
              if (withGrad) out.push(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.reshape(f(a), [-1]), w)))(x).dataSync() as Float32Array);
              return out.map((a) => a.slice());
            }),
          );
        const { want, got } = await onCpuAndBackend('tensorflow', run);
        got.forEach((g, i) => {
          expect(g.length).toBe(want[i]!.length);
          expect(maxRelativeError(g, want[i]!)).toBeLessThanOrEqual(1e-6);
        });
        await tf.setBackend('tensorflow');
        const sameLike = await tf.profile(() =>
          tf.tidy(() => {
            const f = (a: tf.Tensor): tf.Tensor => tf.maxPool(a as tf.Tensor4D, 3, 2, [[0, 0], [1, 1], [0, 1], [0, 0]]);
            tf.grad((a: tf.Tensor) => tf.sum(f(a)))(tf.tensor4d(data, [2, 9, 10, 3]));
          }),
        );
        await tf.setBackend('cpu');
        expect(sameLike.kernels.map((k) => k.name)).not.toContain('PadV2');
      });

      it('max pooling gradient through oneDNN equals cpu, ties included (same, valid, numeric padding)', async (ctx) => {
        await tf.setBackend('tensorflow');
        const used = oneDnnPoolingAvailable();
        await tf.setBackend('cpu');
        if (!used) ctx.skip('SKIPPED: this TensorFlow build has no oneDNN pooling ops; TensorFlow\'s own MaxPoolGrad runs');
        const rng = createRng(9);
        // Small integers after a ReLU: most windows hold several equal maxima (zeros and repeats).
        const data = new Float32Array(2 * 11 * 12 * 5).map(() => Math.max(0, Math.round(rng.normal() * 2)));
        const cases: Array<[number, number, 'same' | 'valid' | number]> = [
          [3, 2, 'same'],
          [3, 2, 'valid'],
          [2, 2, 'valid'],
          [3, 1, 'same'],
          [3, 2, 1],
        ];
        const run = (): Float32Array[] =>
          cases.map(([k, s, pad]) =>
            tf.tidy(() => {
              const x = tf.tensor4d(data, [2, 11, 12, 5]);
              const f = (a: tf.Tensor): tf.Tensor => tf.maxPool(a as tf.Tensor4D, k, s, pad);
              const w = tf.range(1, f(x).size + 1);
              return (tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.reshape(f(a), [-1]), w)))(x).dataSync() as Float32Array).slice();
            }),
          );
        const { want, got } = await onCpuAndBackend('tensorflow', run);
        got.forEach((g, i) => expect(Array.from(g), `case ${JSON.stringify(cases[i])}`).toEqual(Array.from(want[i]!)));
      });
    }
    it(`the ReLU gradient runs as one ${backend} kernel (RfmReluGrad, no Step) and equals cpu's dy · step(y) exactly`, async () => {
      const rng = createRng(21);
      // Rounded values: many exact zeros before the ReLU; 4·5·7·3 elements leave a SIMD remainder.
      const xData = new Float32Array(4 * 5 * 7 * 3).map(() => Math.round(rng.normal() * 2) / 2);
      const wData = new Float32Array(xData.length).map(() => rng.normal());
      const run = (): number[] => {
        const x = tf.tensor4d(xData, [4, 5, 7, 3]);
        const w = tf.tensor4d(wData, [4, 5, 7, 3]);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), w)))(x);
        // +0 for -0: cpu's dy · 0 keeps the sign of dy.
        const values = Array.from(dx.dataSync(), (v) => v + 0);
        tf.dispose([x, w, dx]);
        return values;
      };
      const { want, got } = await onCpuAndBackend(backend, run);
      await tf.setBackend(backend);
      const profile = await tf.profile(() => {
        tf.tidy(() => {
          const x = tf.tensor4d(xData, [4, 5, 7, 3]);
          tf.grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(x);
        });
      });
      await tf.setBackend('cpu');
      expect(profile.kernelNames).toContain(RELU_GRAD_KERNEL);
      expect(profile.kernelNames).not.toContain('Step');
      expect(got).toEqual(want);
    });

    it(`rebuilding batch-norm outputs and their ReLUs in the backward pass (dropRebuildable) leaves the weight gradients bit-identical on ${backend}`, async () => {
      await tf.setBackend(backend);
      const model = MODELS[1]!;
      const run = (minBytes: number): { grads: Float32Array[]; bytesAfterForward: number } => {
        const backbone = model.build();
        const size = backbone.config.inputSize;
        const { x: xData, labels: labelData } = batchFor(model, size);
        const x = tf.tensor4d(xData, [model.batch, size, size, 3]);
        const labels = tf.tensor1d(labelData, 'int32');
        const previous = recomputeMinBytes(minBytes);
        let bytesAfterForward = 0;
        const { value, grads } = tf.variableGrads(() => {
          const loss = classificationLoss(backbone.apply(x, true).logits, labels);
          bytesAfterForward = tf.memory().numBytes;
          return releaseDuringBackward(loss);
        }, backbone.trainableWeights());
        recomputeMinBytes(previous);
        const out = Object.values(grads).map((g) => (g.dataSync() as Float32Array).slice());
        tf.dispose([value, x, labels, ...Object.values(grads)]);
        backbone.dispose();
        return { grads: out, bytesAfterForward };
      };
      const before = tf.memory().numTensors;
      const kept = run(Infinity);
      let rebuilt = kept;
      const profile = await tf.profile(() => {
        rebuilt = run(0);
      });
      await tf.setBackend('cpu');
      // Where the backend has the one-pass rebuild from saved statistics, the rebuilds ran it.
      expect(profile.kernelNames.includes(BATCH_NORM_REBUILD_KERNEL), 'rebuild kernel ran').toBe(hasBatchNormRebuildKernel(backend));
      expect(rebuilt.bytesAfterForward).toBeLessThan(kept.bytesAfterForward);
      rebuilt.grads.forEach((g, i) => expect(Array.from(g), `weight #${i}`).toEqual(Array.from(kept.grads[i]!)));
      expect(tf.memory().numTensors).toBe(before);
    });

    for (const model of MODELS) {
      it(`${model.name}: forward, FAM, weight gradients and one Adam step agree`, async () => {
        const want = await referenceFor(model);
        await tf.setBackend(backend);
        const got = await runSuite(model);
        await tf.setBackend('cpu');
        expect([...got.keys()]).toEqual([...want.keys()]);
        const failures: string[] = [];
        const worstBy = new Map<string, number>();
        for (const [name, w] of want) {
          const g = got.get(name)!;
          expect(g.length).toBe(w.length);
          const kind = categoryOf(name);
          let err: number;
          if (kind === 'adam') {
            const grad = want.get(name.replace('Adam: weights after the step', 'weight gradient'))!;
            err = adamError(g, w, grad);
          } else {
            err = maxRelativeError(g, w);
          }
          if (!(err <= TOLERANCE[kind])) failures.push(`${name}: ${err.toExponential(2)} > ${TOLERANCE[kind]}`);
          worstBy.set(kind, Math.max(worstBy.get(kind) ?? 0, err));
        }
        worst.push(`${backend} / ${model.name}: ${[...worstBy].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
        expect(failures).toEqual([]);
      });
    }
  });
}
