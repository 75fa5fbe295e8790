import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BATCH_NORM_REBUILD_KERNEL, BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL, createRng, type Rng } from '@rfm/core';
import { maxRelativeError } from '@rfm/core/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { initBackend } from '../init-backend.js';
import { RELU_GRAD_KERNEL } from '../relu-grad.js';
import { columnScatterInputGradient, scatterColumns } from './kernels/column-scatter.js';
import { zeroInsertionInputGradient } from './kernels/conv2d-backprop-input.js';
import { convGeometry } from './kernels/conv-geometry.js';
import { heapDepthwiseConv } from './kernels/depthwise-conv.js';
import { heapGatherRows } from './kernels/gather.js';
import type { HeapCopyBackend } from './kernels/slice.js';
import { col2imWasm } from './simd/col2im.generated.js';
import { heapFloat32, heapModule, heapOffset, type WasmHeapBackend } from './simd/heap-module.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, useSimdKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels.js';

type Inputs = Record<string, { shape: number[]; data: Float32Array }>;

const TOLERANCE = 1e-5;

function random(rng: Rng, shape: number[]): { shape: number[]; data: Float32Array } {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { shape, data };
}

/** Runs one kernel on `backend` and returns its output values (no tensor survives). */
async function runOn(backend: string, kernel: string, inputs: Inputs, attrs: object): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const ins = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape, 'float32')]));
  const out = tf.engine().runKernel(kernel, ins, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  tf.dispose([out, ...Object.values(ins)]);
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

async function expectParity(kernel: string, inputs: Inputs, attrs: object): Promise<void> {
  const want = await runOn('cpu', kernel, inputs, attrs);
  const got = await runOn('wasm', kernel, inputs, attrs);
  expect(got.shape).toEqual(want.shape);
  expect(maxRelativeError(got.values, want.values)).toBeLessThanOrEqual(TOLERANCE);
}

const SHAPES: [number, number, number, number][] = [
  [2, 9, 9, 3],
  [3, 8, 8, 4],
  [2, 7, 10, 5],
  [1, 12, 12, 8],
];
const PADS: ('same' | 'valid')[] = ['same', 'valid'];
const EXTRA_PADS: (number | tf.backend_util.ExplicitPadding)[] = [
  1,
  [
    [0, 0],
    [1, 0],
    [0, 2],
    [0, 0],
  ],
];

interface Case {
  readonly shape: [number, number, number, number];
  readonly k: number;
  readonly stride: number | [number, number];
  readonly pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const shape of SHAPES) for (const k of [1, 3]) for (const stride of [1, 2]) for (const pad of PADS) out.push({ shape, k, stride, pad });
  for (const pad of EXTRA_PADS) for (const stride of [1, 2]) out.push({ shape: [2, 9, 9, 3], k: 3, stride, pad });
  return out;
}

function outShape(c: Case, outChannels: number, depthwise: boolean): [number, number, number, number] {
  const filter = [c.k, c.k, c.shape[3], depthwise ? outChannels / c.shape[3] : outChannels] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(c.shape, filter, c.stride, 1, c.pad, undefined, depthwise);
  return [c.shape[0], info.outHeight, info.outWidth, outChannels];
}

const label = (c: Case): string => `x=${c.shape.join('x')} k=${c.k} s=${c.stride} pad=${JSON.stringify(c.pad)}`;

describe('wasm training kernels: parity with cpu', () => {
  const rng = createRng(7);

  beforeAll(async () => {
    const report = await initBackend('wasm');
    expect(report.backend).toBe('wasm');
    await tf.setBackend('cpu');
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers every listed kernel on wasm', () => {
    const names = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const k of WASM_TRAINING_KERNELS) expect(names.has(k)).toBe(true);
  });

  for (const simd of [true, false]) {
    it(`Conv2DBackpropFilter${simd ? '' : ' (SIMD transpose off: tfjs ops)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      for (const c of cases()) {
        const cout = 6;
        const inputs = { x: random(rng, c.shape), dy: random(rng, outShape(c, cout, false)) };
        const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.shape[3], cout] };
        await expectParity(tf.Conv2DBackpropFilter, inputs, attrs).catch((e) => {
          throw new Error(`${label(c)}: ${String(e)}`);
        });
      }
    });
  }

  it('Conv2DBackpropInput', async () => {
    for (const c of cases()) {
      const cout = 6;
      const inputs = { dy: random(rng, outShape(c, cout, false)), filter: random(rng, [c.k, c.k, c.shape[3], cout]) };
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.shape };
      await expectParity(tf.Conv2DBackpropInput, inputs, attrs).catch((e) => {
        throw new Error(`${label(c)}: ${String(e)}`);
      });
    }
  });

  it('Conv2DBackpropInput of 3x3 convolutions: the column scatter and the zero-insertion form both equal cpu', async () => {
    const threes = [...cases().filter((c) => c.k === 3), { shape: [2, 9, 8, 3], k: 3, stride: [2, 1], pad: 'same' } as Case];
    for (const c of threes) {
      const cout = 6;
      const inputs = { dy: random(rng, outShape(c, cout, false)), filter: random(rng, [c.k, c.k, c.shape[3], cout]) };
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.shape } as tf.Conv2DBackpropInputAttrs;
      const want = await runOn('cpu', tf.Conv2DBackpropInput, inputs, attrs);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const [dy, filter] = [tf.tensor(inputs.dy.data, inputs.dy.shape as [number, number, number, number]), tf.tensor(inputs.filter.data, inputs.filter.shape as [number, number, number, number])] as tf.Tensor4D[];
      const g = convGeometry(c.shape, filter!.shape, c.stride, c.pad, undefined, false);
      const scattered = columnScatterInputGradient(dy!, filter!, g);
      const inserted = zeroInsertionInputGradient(dy!, filter!, g);
      expect(scattered, 'the wasm heap is reachable here').not.toBeNull();
      for (const got of [scattered!, inserted]) {
        expect(got.shape, label(c)).toEqual(want.shape);
        expect(maxRelativeError(got.dataSync() as Float32Array, want.values), label(c)).toBeLessThanOrEqual(TOLERANCE);
      }
      tf.dispose([dy!, filter!, scattered!, inserted]);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('the column scatter: rfm.js\' SIMD module (simd/col2im.wat) adds exactly as scatterColumns does in JavaScript (strides 1 and 2, 3, 5 and 8 channels, padding)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmHeapBackend;
    const col2im = heapModule(col2imWasm, backend)!['col2im'] as (...args: number[]) => void;
    const geometries = [...cases().filter((c) => c.k === 3), { shape: [2, 9, 8, 5], k: 3, stride: [2, 1], pad: 'same' } as Case, { shape: [1, 7, 6, 8], k: 3, stride: 1, pad: 'valid' } as Case];
    for (const c of geometries) {
      const g = convGeometry(c.shape, [3, 3, c.shape[3], 1], c.stride, c.pad, undefined, false);
      const cols = tf.tensor(random(rng, [g.batch * g.outHeight * g.outWidth, 9 * c.shape[3]]).data, [g.batch * g.outHeight * g.outWidth, 9 * c.shape[3]]);
      const dx = tf.fill(c.shape, Number.NaN); // col2im zeroes it first
      const want = new Float32Array(dx.size);
      scatterColumns(heapFloat32(backend, cols), want, g, c.shape[3]);
      col2im(heapOffset(backend, cols), heapOffset(backend, dx), g.batch, g.inHeight, g.inWidth, c.shape[3], 3, 3, g.strideHeight, g.strideWidth, g.top, g.left, g.outHeight, g.outWidth);
      expect(dx.dataSync(), label(c)).toEqual(want);
      tf.dispose([cols, dx]);
    }
  });

  for (const [multiplier, simd] of [
    [1, true],
    [1, false],
    [2, true],
  ] as const) {
    it(`DepthwiseConv2dNativeBackpropFilter, channel multiplier ${multiplier}${simd ? '' : ' (SIMD module off: the composite)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      for (const c of cases()) {
        const inputs = { x: random(rng, c.shape), dy: random(rng, outShape(c, c.shape[3] * multiplier, true)) };
        const attrs = { strides: c.stride, dilations: 1, pad: c.pad, filterShape: [c.k, c.k, c.shape[3], multiplier] };
        await expectParity(tf.DepthwiseConv2dNativeBackpropFilter, inputs, attrs).catch((e) => {
          throw new Error(`${label(c)}: ${String(e)}`);
        });
      }
    });

    it(`DepthwiseConv2dNative, channel multiplier ${multiplier}${simd ? '' : ' (SIMD module off: XNNPACK)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      for (const c of [...cases(), { shape: [2, 5, 6, 13], k: 3, stride: 1, pad: 'same' } as Case]) {
        const inputs = { x: random(rng, c.shape), filter: random(rng, [c.k, c.k, c.shape[3], multiplier]) };
        const attrs = { strides: c.stride, dilations: 1, pad: c.pad };
        await expectParity(tf.DepthwiseConv2dNative, inputs, attrs).catch((e) => {
          throw new Error(`${label(c)}: ${String(e)}`);
        });
        // XNNPACK's kernel is right too: check that rfm.js' module is what ran (multiplier 1, SIMD on).
        if (multiplier !== 1 || !simd) continue;
        const before = tf.memory().numTensors;
        const [xt, ft] = [tf.tensor4d(inputs.x.data, inputs.x.shape as [number, number, number, number]), tf.tensor4d(inputs.filter.data, inputs.filter.shape as [number, number, number, number])];
        const heap = heapDepthwiseConv(tf.backend() as unknown as WasmHeapBackend, xt, ft, attrs as tf.DepthwiseConv2dNativeAttrs);
        expect(heap, `${label(c)}: the module runs here`).not.toBeNull();
        const got = tf.engine().makeTensorFromTensorInfo(heap!);
        const want = await runOn('cpu', tf.DepthwiseConv2dNative, inputs, attrs);
        await tf.setBackend('wasm');
        expect(maxRelativeError(got.dataSync() as Float32Array, want.values), label(c)).toBeLessThanOrEqual(TOLERANCE);
        tf.dispose([xt, ft, got]);
        expect(tf.memory().numTensors).toBe(before);
      }
    });

    it(`DepthwiseConv2dNativeBackpropInput, channel multiplier ${multiplier}`, async () => {
      for (const c of cases()) {
        const inputs = { dy: random(rng, outShape(c, c.shape[3] * multiplier, true)), filter: random(rng, [c.k, c.k, c.shape[3], multiplier]) };
        const attrs = { strides: c.stride, dilations: 1, pad: c.pad, inputShape: c.shape };
        await expectParity(tf.DepthwiseConv2dNativeBackpropInput, inputs, attrs).catch((e) => {
          throw new Error(`${label(c)}: ${String(e)}`);
        });
      }
    });
  }

  it('GatherV2: leading-axis rows copied on the heap (repeated, out of order), other axes by wasm, indices out of range rejected', async () => {
    const x = random(rng, [6, 3, 2, 5]);
    const gathers: [number[], number][] = [
      [[4, 0, 4, 2], 0],
      [[5], 0],
      [[2, 1], 1],
      [[1, 0, 1], 3],
    ];
    for (const [indices, axis] of gathers) {
      const values = async (backend: string): Promise<{ shape: number[]; data: Float32Array }> => {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const xt = tf.tensor(x.data, x.shape);
        const idx = tf.tensor1d(indices, 'int32');
        const out = tf.gather(xt, idx, axis);
        const result = { shape: out.shape, data: out.dataSync() as Float32Array };
        tf.dispose([xt, idx, out]);
        expect(tf.memory().numTensors).toBe(before);
        return result;
      };
      const want = await values('cpu');
      const got = await values('wasm');
      expect(got.shape, `indices ${indices} axis ${axis}`).toEqual(want.shape);
      expect(Array.from(got.data), `indices ${indices} axis ${axis}`).toEqual(Array.from(want.data));
      if (axis !== 0) continue;
      // wasm's own kernel gives the same values: check that the row copies are what runs.
      const xt = tf.tensor(x.data, x.shape);
      const idx = tf.tensor1d(indices, 'int32');
      const rows = heapGatherRows(xt, idx, tf.backend() as unknown as HeapCopyBackend);
      expect(rows, `indices ${indices}: leading-axis rows are copied on the heap`).not.toBeNull();
      const copied = tf.engine().makeTensorFromTensorInfo(rows!);
      expect(Array.from(copied.dataSync())).toEqual(Array.from(want.data));
      tf.dispose([xt, idx, copied]);
    }
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const xt = tf.tensor(x.data, x.shape);
    const bad = tf.tensor1d([1, 6], 'int32');
    expect(() => tf.gather(xt, bad)).toThrow(/index value 6 is not in \[0, 5\]/);
    tf.dispose([xt, bad]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Tile: leading broadcast (large and small) and the general cases', async () => {
    await expectParity(tf.Tile, { x: random(rng, [1, 1, 1, 5]) }, { reps: [2, 3, 4, 1] });
    await expectParity(tf.Tile, { x: random(rng, [1, 1, 1, 24]) }, { reps: [8, 16, 11, 1] });
    await expectParity(tf.Tile, { x: random(rng, [1, 3, 1, 8]) }, { reps: [700, 1, 1, 1] });
    await expectParity(tf.Tile, { x: random(rng, [2, 1, 3]) }, { reps: [1, 4, 1] });
    await expectParity(tf.Tile, { x: random(rng, [2, 3]) }, { reps: [2, 2] });
  });

  it('Slice: contiguous blocks from the heap, strided ones by wasm', async () => {
    await expectParity(tf.Slice, { x: random(rng, [1000]) }, { begin: [17], size: [400] });
    await expectParity(tf.Slice, { x: random(rng, [6, 5, 4]) }, { begin: [2, 0, 0], size: [3, -1, -1] });
    await expectParity(tf.Slice, { x: random(rng, [6, 5, 4]) }, { begin: [1, 2, 0], size: [1, 2, 4] });
    await expectParity(tf.Slice, { x: random(rng, [6, 5, 4]) }, { begin: [1, 1, 1], size: [3, 2, 2] });
  });

  it('SplitV: every piece equal to cpu, along the leading and an inner axis, int32 too', async () => {
    const cases: [number[], number[], number, tf.DataType][] = [
      [[1000], [1, 300, 0, 699], 0, 'float32'],
      [[7, 3, 2], [2, 5], 0, 'float32'],
      [[4, 9], [2, -1, 3], 1, 'float32'],
      [[50], [10, 40], 0, 'int32'],
    ];
    for (const [shape, sizes, axis, dtype] of cases) {
      const x = random(rng, shape);
      const split = async (backend: string): Promise<{ shape: number[]; values: number[] }[]> => {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const input = dtype === 'int32' ? tf.tensor(Int32Array.from(x.data, (v) => Math.round(v * 100)), shape, 'int32') : tf.tensor(x.data, shape, 'float32');
        const parts = tf.split(input, sizes, axis);
        const out = parts.map((p) => ({ shape: p.shape, values: Array.from(p.dataSync()) }));
        tf.dispose([input, ...parts]);
        expect(tf.memory().numTensors).toBe(before);
        return out;
      };
      expect(await split('wasm')).toEqual(await split('cpu'));
    }
  });

  it('Fill: large outputs by repetition, small ones and int32', async () => {
    for (const [shape, value, dtype] of [
      [[16, 33, 35], 1.5, 'float32'],
      [[3, 4], -2, 'float32'],
      [[20000], 7, 'int32'],
    ] as const) {
      await tf.setBackend('wasm');
      const t = tf.fill(shape as unknown as number[], value, dtype);
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual(shape);
      const values = t.dataSync();
      expect(values.every((v) => v === value)).toBe(true);
      t.dispose();
    }
    await tf.setBackend('cpu');
  });

  it('Multiply, Add, Sub with a per-channel operand (either side) and the other cases', async () => {
    const big = [16, 8, 8, 64];
    for (const kernel of [tf.Multiply, tf.Add, tf.Sub]) {
      for (const small of [[64], [1, 1, 1, 64], [1, 64]]) {
        await expectParity(kernel, { a: random(rng, big), b: random(rng, small) }, {});
        await expectParity(kernel, { a: random(rng, small), b: random(rng, big) }, {});
      }
      await expectParity(kernel, { a: random(rng, [4096, 32]), b: random(rng, [32]) }, {}); // rank 2
      await expectParity(kernel, { a: random(rng, big), b: random(rng, big) }, {}); // no broadcast
      await expectParity(kernel, { a: random(rng, big), b: random(rng, [1, 8, 1, 64]) }, {}); // other broadcast
      await expectParity(kernel, { a: random(rng, [2, 3, 4]), b: random(rng, [4]) }, {}); // small
    }
  });

  it('FusedBatchNorm: per-channel statistics with and without scale/offset, and the fallback', async () => {
    const c = 24;
    const x = random(rng, [8, 12, 12, c]);
    const positive = (v: { shape: number[]; data: Float32Array }) => ({ shape: v.shape, data: v.data.map((e) => 0.5 + Math.abs(e)) });
    const stats = { mean: random(rng, [c]), variance: positive(random(rng, [c])), offset: random(rng, [c]), scale: random(rng, [c]) };
    await expectParity(tf.FusedBatchNorm, { x, ...stats }, { varianceEpsilon: 1e-5 });
    await expectParity(tf.FusedBatchNorm, { x, mean: stats.mean, variance: stats.variance }, { varianceEpsilon: 1e-3 });
    await expectParity(tf.FusedBatchNorm, { x: random(rng, [2048, c]), ...stats }, { varianceEpsilon: 1e-5 });
    const full = { mean: random(rng, [8, 12, 12, c]), variance: positive(random(rng, [8, 12, 12, c])) };
    await expectParity(tf.FusedBatchNorm, { x, ...full }, { varianceEpsilon: 1e-5 });
  });

  for (const simd of [true, false]) {
    it(`MaxPoolGrad (wasm 4.22.0 drops windows overlapping same padding; ties go to the first maximum)${simd ? '' : ' (SIMD module off: the JavaScript pass)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      const pools: { shape: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' | number }[] = [];
      for (const shape of SHAPES) for (const size of [2, 3]) for (const stride of [1, 2]) for (const pad of PADS) pools.push({ shape, size, stride, pad });
      pools.push({ shape: [1, 4, 4, 1], size: 3, stride: 2, pad: 'same' });
      // PyTorch-style symmetric padding (what @rfm/models uses): numeric pad 1, floor rounding.
      for (const shape of [SHAPES[0]!, SHAPES[1]!]) pools.push({ shape, size: 3, stride: 2, pad: 1 });
      for (const p of pools) {
        for (const withTies of [false, true]) {
          const x = random(rng, p.shape);
          // Rounded values make equal maxima inside a window common.
          if (withTies) for (let i = 0; i < x.data.length; i++) x.data[i] = Math.max(0, Math.round(x.data[i]!));
          await tf.setBackend('cpu');
          const rounding = typeof p.pad === 'number' ? 'floor' : undefined;
          const y = tf.tidy(() => tf.maxPool(tf.tensor4d(x.data, p.shape), p.size, p.stride, p.pad, rounding));
          const out = { shape: y.shape as number[], data: y.dataSync() as Float32Array };
          y.dispose();
          const inputs = { dy: random(rng, out.shape), input: x, output: out };
          const attrs = { filterSize: p.size, strides: p.stride, pad: p.pad, dimRoundingMode: rounding };
          await expectParity(tf.MaxPoolGrad, inputs, attrs).catch((e) => {
            throw new Error(`x=${p.shape.join('x')} size=${p.size} s=${p.stride} ${p.pad} ties=${withTies}: ${String(e)}`);
          });
        }
      }
    });
  }

  for (const simd of [true, false]) {
    it(`RfmReluGrad: dy where the ReLU's output is positive, else 0 (SIMD lanes and remainders)${simd ? '' : ' (SIMD module off: the JavaScript pass)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      await tf.setBackend('wasm');
      for (const shape of [[1], [3], [4], [7], [2, 5, 5, 6], [1001]]) {
        const dy = random(rng, shape).data;
        // ReLU outputs: about half exact zeros.
        const y = random(rng, shape).data.map((v) => Math.max(0, v));
        const before = tf.memory().numTensors;
        const out = tf.tidy(() => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: tf.tensor(dy, shape), x: tf.tensor(y, shape) }) as tf.Tensor);
        expect(out.shape).toEqual(shape);
        const got = Array.from(out.dataSync());
        out.dispose();
        expect(tf.memory().numTensors).toBe(before);
        expect(got, `shape ${shape.join('x')}`).toEqual(Array.from(dy, (d, i) => (y[i]! > 0 ? d : 0)));
      }
      await tf.setBackend('cpu');
    });
  }

  it('Sum and Mean: pooled reductions (contiguous axes before the last) and the fallbacks', async () => {
    const reductions: { shape: number[]; axis: number | number[] | null; keepDims: boolean }[] = [
      { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false },
      { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: true },
      { shape: [4, 5, 6, 7], axis: [1, 2], keepDims: false },
      { shape: [4, 5, 6, 7], axis: [2, 1], keepDims: true },
      { shape: [4, 5, 6, 7], axis: 0, keepDims: false },
      { shape: [4, 5, 6, 7], axis: -3, keepDims: false },
      { shape: [9, 3], axis: [0], keepDims: false },
      { shape: [2, 3, 4, 5, 6], axis: [1, 2, 3], keepDims: false },
      // fallbacks: last axis, non-contiguous axes, all axes, rank 1
      { shape: [4, 5, 6, 7], axis: [3], keepDims: false },
      { shape: [4, 5, 6, 7], axis: [0, 2], keepDims: false },
      { shape: [4, 5, 6, 7], axis: null, keepDims: false },
      { shape: [11], axis: 0, keepDims: true },
    ];
    for (const kernel of [tf.Sum, tf.Mean]) {
      for (const r of reductions) {
        await expectParity(kernel, { x: random(rng, r.shape) }, { axis: r.axis, keepDims: r.keepDims }).catch((e) => {
          throw new Error(`${kernel} ${JSON.stringify(r)}: ${String(e)}`);
        });
      }
    }
    // int32 stays on wasm's own kernel and stays exact.
    await tf.setBackend('wasm');
    const ints = tf.tensor([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32');
    const summed = tf.sum(ints, 0);
    expect(summed.dtype).toBe('int32');
    expect(Array.from(summed.dataSync())).toEqual([9, 12]);
    tf.dispose([ints, summed]);
    await tf.setBackend('cpu');
  });

  it('Identity and same-dtype Cast share data; a clone outlives its source; real casts convert', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    const x = tf.tensor([1.5, -2, 3], [3]);
    const c = tf.clone(x);
    const same = tf.cast(x, 'float32');
    expect(backend.numDataIds() - dataIds).toBe(1); // one buffer for three tensors
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3]);
    const ints = tf.cast(c, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([c, same, ints]);
    expect(tf.memory().numTensors).toBe(before);
    expect(backend.numDataIds()).toBe(dataIds);
    await tf.setBackend('cpu');
  });

  it('no kernel call leaks tensors or backend data', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const calls: [string, tf.NamedTensorMap, object][] = [
      [tf.Conv2DBackpropFilter, { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 4] }],
      [tf.Conv2DBackpropInput, { dy, filter: tf.reshape(tf.tile(w, [1, 1, 1, 4]), [3, 3, 4, 4]) }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }],
      [tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { strides: 2, dilations: 1, pad: 'same', filterShape: [3, 3, 4, 1] }],
      [tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, { strides: 2, dilations: 1, pad: 'same', inputShape: x.shape }],
      [tf.MaxPoolGrad, { dy, input: x, output: tf.maxPool(x, 3, 2, 'same') }, { filterSize: 3, strides: 2, pad: 'same' }],
      [tf.Tile, { x: tf.ones([1, 1, 1, 4]) }, { reps: [64, 32, 16, 1] }],
      [tf.Sum, { x }, { axis: [0, 1, 2], keepDims: false }],
      [tf.Mean, { x }, { axis: [1, 2], keepDims: true }],
      [tf.Multiply, { a: tf.tile(x, [8, 4, 4, 1]), b: tf.ones([4]) }, {}],
      [tf.FusedBatchNorm, { x: tf.tile(x, [8, 4, 4, 1]), mean: tf.zeros([4]), variance: tf.ones([4]) }, { varianceEpsilon: 1e-3 }],
      [tf.Fill, {}, { shape: [300, 100], value: 2, dtype: 'float32' }],
    ];
    for (const [kernel, inputs, attrs] of calls) {
      const tensors = tf.memory().numTensors;
      const dataIds = backend.numDataIds();
      const out = tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
      expect(tf.memory().numTensors, kernel).toBe(tensors + 1);
      expect(backend.numDataIds(), kernel).toBe(dataIds + 1);
      out.dispose();
    }
    await tf.setBackend('cpu');
  });

  for (const simd of [true, false]) {
    it(`RfmBatchNormTraining(Grad) on wasm match the composite batch norm on cpu, forward and backward (SIMD lanes and remainders)${simd ? '' : ' (SIMD module off: the composite)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      for (const c of [8, 7, 6, 182, 4099]) {
        const shape = [4, 6, 5, c];
        const x = random(rng, shape);
        // A mean far from zero: the centred passes must not lose it.
        for (let i = 0; i < x.data.length; i++) x.data[i] = x.data[i]! * 0.5 + 3;
        const scale = random(rng, [c]);
        const offset = random(rng, [c]);
        const dy = random(rng, shape);
        const eps = 1e-5;
        await tf.setBackend('cpu');
        const want = tf.tidy(() => {
          const [xt, st, ot, dyt] = [x, scale, offset, dy].map((v) => tf.tensor(v.data, v.shape));
          const m = tf.moments(xt!, [0, 1, 2]);
          const y = tf.batchNorm(xt!, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, ot as tf.Tensor1D, st as tf.Tensor1D, eps);
          const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Tensor => {
            const mm = tf.moments(a, [0, 1, 2]);
            return tf.sum(tf.mul(tf.batchNorm(a, mm.mean as tf.Tensor1D, mm.variance as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, eps), dyt!));
          };
          return [y, m.mean, m.variance, ...tf.grads(f)([xt!, st!, ot!])].map((t) => t.dataSync() as Float32Array);
        });
        await tf.setBackend('wasm');
        const before = tf.memory().numTensors;
        const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
        const got = tf.tidy(() => {
          const [xt, st, ot, dyt] = [x, scale, offset, dy].map((v) => tf.tensor(v.data, v.shape));
          const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x: xt!, scale: st!, offset: ot! }, { epsilon: eps }) as tf.Tensor[];
          const grads = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, { dy: dyt!, x: xt!, scale: st!, mean: mean!, variance: variance! }, { epsilon: eps }) as tf.Tensor[];
          return [y!, mean!, variance!, ...grads].map((t) => t.dataSync() as Float32Array);
        });
        expect(tf.memory().numTensors).toBe(before);
        expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataIds);
        expect(got).toHaveLength(6);
        want.forEach((w, i) => expect(maxRelativeError(got[i]!, w), `C=${c} output ${i}`).toBeLessThanOrEqual(TOLERANCE));
        await tf.setBackend('cpu');
      }
    });
  }

  for (const simd of [true, false]) {
    it(`RfmBatchNormRebuild equals the training kernel's y bit for bit, and wasm's Relu of it (SIMD lanes and remainders, NaN, -0)${simd ? '' : ' (SIMD module off: the composite)'}`, async () => {
      const previous = useSimdKernels(simd);
      onTestFinished(() => void useSimdKernels(previous));
      await tf.setBackend('wasm');
      const values = (t: tf.Tensor): Float32Array => (t.dataSync() as Float32Array).slice();
      const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer);
      for (const c of [8, 7, 182]) {
        const shape = [3, 4, 5, c];
        const x = random(rng, shape);
        for (let i = 0; i < x.data.length; i++) x.data[i] = x.data[i]! * 0.5 + 3;
        const [scale, offset] = [random(rng, [c]), random(rng, [c])];
        const before = tf.memory().numTensors;
        const [want, wantRelu, got, gotRelu] = tf.tidy((): Float32Array[] => {
          const [xt, st, ot] = [x, scale, offset].map((v) => tf.tensor(v.data, v.shape));
          const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x: xt!, scale: st!, offset: ot! }, { epsilon: 1e-3 }) as tf.Tensor[];
          const rebuild = (relu: boolean): tf.Tensor =>
            tf.engine().runKernel(BATCH_NORM_REBUILD_KERNEL, { x: xt!, scale: st!, offset: ot!, mean: mean!, variance: variance! }, { epsilon: 1e-3, relu }) as tf.Tensor;
          return [y!, tf.relu(y!), rebuild(false), rebuild(true)].map(values);
        });
        expect(tf.memory().numTensors).toBe(before);
        expect(bits(got!), `C=${c}`).toEqual(bits(want!));
        expect(bits(gotRelu!), `C=${c} relu`).toEqual(bits(wantRelu!));
        // Some outputs are negative, so the ReLU changed something.
        expect(gotRelu, `C=${c}`).not.toEqual(got);
      }
      if (simd) {
        // With mean 0, variance 1, scale 1 and offset -0, y keeps NaN and -0: the ReLU treats them
        // as wasm's Relu does (in a SIMD lane and in the remainder).
        const [y, got, want] = tf.tidy((): Float32Array[] => {
          const xt = tf.tensor4d([NaN, -0, -2, 5, NaN, -0, 1], [1, 1, 1, 7]);
          const one = tf.ones([7]);
          const inputs = { x: xt, scale: one, offset: tf.fill([7], -0), mean: tf.zeros([7]), variance: one };
          const rebuild = (relu: boolean): tf.Tensor => tf.engine().runKernel(BATCH_NORM_REBUILD_KERNEL, inputs, { epsilon: 0, relu }) as tf.Tensor;
          const plain = rebuild(false);
          return [plain, rebuild(true), tf.relu(plain)].map(values);
        });
        expect([Object.is(y![1], -0), Object.is(y![5], -0), Number.isNaN(y![4])]).toEqual([true, true, true]);
        expect(bits(got!)).toEqual(bits(want!));
      }
      await tf.setBackend('cpu');
    });
  }

  it('end-to-end gradients of a separable-conv network match cpu', async () => {
    const x = random(rng, [2, 12, 12, 3]);
    const dw = random(rng, [3, 3, 3, 2]);
    const pw = random(rng, [1, 1, 6, 8]);
    const cw = random(rng, [3, 3, 8, 4]);
    const grads = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const ts = [x, dw, pw, cw].map((v) => tf.tensor(v.data, v.shape, 'float32'));
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor => {
        const sep = tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 2, 'same');
        const pooled = tf.maxPool(tf.relu(sep), 3, 2, 'same');
        return tf.sum(tf.square(tf.conv2d(pooled, d as tf.Tensor4D, 1, 'valid')));
      };
      const gs = tf.grads(f)(ts);
      const values = gs.map((g) => g.dataSync() as Float32Array);
      tf.dispose([...gs, ...ts]);
      expect(tf.memory().numTensors).toBe(before);
      return values;
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    want.forEach((w, i) => expect(maxRelativeError(got[i]!, w)).toBeLessThanOrEqual(TOLERANCE));
  });

  it('end-to-end: weight gradients of a tfjs-layers separable-conv + batch-norm model match cpu', async () => {
    const build = (): tfl.LayersModel => {
      const input = tfl.input({ shape: [16, 16, 3] });
      let y = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
      y = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.activation({ activation: 'relu' }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: tfl.initializers.heNormal({ seed: 2 }), pointwiseInitializer: tfl.initializers.heNormal({ seed: 3 }) }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.globalAveragePooling2d({}).apply(y) as tfl.SymbolicTensor;
      const out = tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(y) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: out });
    };
    const x = random(rng, [4, 16, 16, 3]);
    const gradsOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = build();
      const step = (): Float32Array[] => {
        const input = tf.tensor(x.data, x.shape, 'float32');
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.apply(input, { training: true }) as tf.Tensor;
          return tf.mean(tf.square(logits)) as tf.Scalar;
        }, model.trainableWeights.map((w) => w.read() as tf.Variable));
        const values = Object.values(grads).map((g) => g.dataSync() as Float32Array);
        tf.dispose([input, value, ...Object.values(grads)]);
        return values;
      };
      const before = tf.memory().numTensors;
      const values = step();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      return values;
    };
    const want = await gradsOn('cpu');
    const got = await gradsOn('wasm');
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(maxRelativeError(got[i]!, w)).toBeLessThanOrEqual(TOLERANCE));
  });

  it('registration is idempotent and reversible', async () => {
    await tf.setBackend('wasm');
    const ours = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(ours);
    unregisterWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeUndefined();
    expect(tf.getKernel(tf.Tile, 'wasm')).toBeDefined();
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
    await tf.setBackend('cpu');
  });
});
