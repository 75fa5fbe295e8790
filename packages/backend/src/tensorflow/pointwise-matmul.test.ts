import * as tf from '@tensorflow/tfjs-core';
import { maxRelativeError } from '@rfm/core/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BackendUnavailableError } from '../errors.js';
import { initBackend } from '../init-backend.js';
import { nativeKernelPatchesRegistered, registerNativeKernelPatches, unregisterNativeKernelPatches } from './native-kernel-patches.js';
import type { NodeBackend } from './node-backend.js';
import { convBiasActivation } from '@rfm/core';
import { oneDnnConvBiasAvailable } from './onednn-conv-bias.js';
import { tensorflowIntraOpThreads } from './intra-op-threads.js';
import { signalsBlockedDuringOps } from './addon-patches.js';
import { FUSED_POINTWISE_OP, fusedPointwiseActive } from './fused-pointwise.js';
import {
  isPointwiseConv,
  matrixProductOpFor,
  POINTWISE_BIAS_MATMUL_MIN_CHANNELS,
  POINTWISE_MATMUL_KERNELS,
  pointwiseMatMulKernel,
  prefersPointwiseMatMulWithBias,
} from './pointwise-matmul.js';

describe('isPointwiseConv', () => {
  it('takes 1x1 stride-1 channels-last convolutions without padding, and nothing else', () => {
    const pw = [1, 1, 8, 16];
    expect(isPointwiseConv({ strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' }, pw)).toBe(true);
    expect(isPointwiseConv({ strides: 1, pad: 'same' }, pw)).toBe(true);
    expect(isPointwiseConv({ strides: 1, pad: 0 }, pw)).toBe(true);
    expect(isPointwiseConv({ strides: 1, pad: [[0, 0], [0, 0], [0, 0], [0, 0]] }, pw)).toBe(true);
    expect(isPointwiseConv({ strides: [1, 1], pad: 'valid' }, [3, 3, 8, 16])).toBe(false);
    expect(isPointwiseConv({ strides: [2, 2], pad: 'valid' }, pw)).toBe(false);
    expect(isPointwiseConv({ strides: 1, pad: 1 }, pw)).toBe(false);
    expect(isPointwiseConv({ strides: 1, pad: [[0, 0], [1, 0], [0, 0], [0, 0]] }, pw)).toBe(false);
    expect(isPointwiseConv({ strides: 1, pad: 'valid', dataFormat: 'NCHW' }, pw)).toBe(false);
  });

  it('sends a pointwise convolution with bias to MatMul from 128 float32 input channels on', () => {
    const info = (shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo => ({ dataId: {}, shape, dtype });
    const pw = { strides: [1, 1], pad: 'same' as const };
    const x = info([16, 14, 14, 128]);
    expect(POINTWISE_BIAS_MATMUL_MIN_CHANNELS).toBe(128);
    expect(prefersPointwiseMatMulWithBias(pw, x, info([1, 1, 128, 64]))).toBe(true);
    expect(prefersPointwiseMatMulWithBias(pw, info([16, 14, 14, 127]), info([1, 1, 127, 256]))).toBe(false);
    expect(prefersPointwiseMatMulWithBias(pw, x, info([3, 3, 128, 64]))).toBe(false);
    expect(prefersPointwiseMatMulWithBias({ strides: [2, 2], pad: 'valid' }, x, info([1, 1, 128, 64]))).toBe(false);
    expect(prefersPointwiseMatMulWithBias(pw, info([16, 14, 14, 128], 'int32'), info([1, 1, 128, 64], 'int32'))).toBe(false);
  });

  it('multiplies with BatchMatMulV2 where TensorFlow has one intra-op thread and the addon lets signals in, else with MatMul', () => {
    expect(matrixProductOpFor(1)).toBe('BatchMatMulV2');
    expect(matrixProductOpFor(1, true)).toBe('MatMul');
    expect(matrixProductOpFor(2)).toBe('MatMul');
    expect(matrixProductOpFor(64)).toBe('MatMul');
  });

  it('names the kernels it can wrap when asked for another', () => {
    expect(() => pointwiseMatMulKernel('MaxPool', () => ({}) as tf.TensorInfo)).toThrow(/"MaxPool" is not one of Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter/);
  });
});

let reason = '';
try {
  await initBackend('tensorflow', { nativeModules: ['@tensorflow/tfjs-node'] });
} catch (e) {
  if (!(e instanceof BackendUnavailableError)) throw e;
  reason = e.reason;
}

/** The op this process' products run (its intra-op thread count decides). */
const PRODUCT = matrixProductOpFor(tensorflowIntraOpThreads(), signalsBlockedDuringOps());

describe.skipIf(reason !== '')(`pointwise convolutions as MatMul on tensorflow${reason ? ` (SKIPPED: ${reason})` : ''}`, () => {
  afterAll(() => {
    if (!nativeKernelPatchesRegistered()) registerNativeKernelPatches();
  });

  /** tfjs-node's own kernels, with the patches taken off for the lookup. */
  function originals(): Record<string, tf.KernelFunc> {
    unregisterNativeKernelPatches();
    const out = Object.fromEntries(POINTWISE_MATMUL_KERNELS.map((n) => [n, tf.getKernel(n, 'tensorflow')!.kernelFunc]));
    registerNativeKernelPatches();
    return out;
  }

  /** Runs `name`'s wrapped and original kernels on the same inputs (freed after); returns both outputs and the TensorFlow ops the wrapped one ran. */
  function both(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): { wrapped: tf.Tensor; original: tf.Tensor; ops: string[] } {
    const original = originals()[name]!;
    const backend = tf.backend() as unknown as NodeBackend;
    const spy = vi.spyOn(backend, 'executeSingleOutput');
    const wrapped = pointwiseMatMulKernel(name, original)({ inputs, attrs: attrs as tf.NamedAttrMap, backend: backend as unknown as tf.KernelBackend }) as tf.Tensor;
    const ops = spy.mock.calls.map((c) => c[0]);
    spy.mockRestore();
    const reference = original({ inputs, attrs: attrs as tf.NamedAttrMap, backend: backend as unknown as tf.KernelBackend }) as tf.Tensor;
    tf.dispose(Object.values(inputs));
    return { wrapped, original: reference, ops };
  }

  const x = (): tf.Tensor4D => tf.randomUniform([3, 5, 6, 7], -1, 1, 'float32', 1) as tf.Tensor4D;
  const w = (k = 1): tf.Tensor4D => tf.randomUniform([k, k, 7, 4], -1, 1, 'float32', 2) as tf.Tensor4D;
  const dy = (): tf.Tensor4D => tf.randomUniform([3, 5, 6, 4], -1, 1, 'float32', 3) as tf.Tensor4D;
  const conv = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };

  it('a pointwise convolution, its input gradient and its filter gradient run as one MatMul each and equal the convolution ops', async () => {
    await tf.setBackend('tensorflow');
    const before = tf.memory().numTensors;
    const cases = [
      both('Conv2D', { x: x(), filter: w() }, conv),
      both('Conv2DBackpropInput', { dy: dy(), filter: w() }, { ...conv, inputShape: [3, 5, 6, 7] }),
      both('Conv2DBackpropFilter', { x: x(), dy: dy() }, { ...conv, filterShape: [1, 1, 7, 4] }),
    ];
    for (const c of cases) {
      expect(c.ops.filter((o) => o !== 'Reshape')).toEqual([PRODUCT]);
      expect(c.wrapped.shape).toEqual(c.original.shape);
      expect(maxRelativeError(c.wrapped.dataSync(), c.original.dataSync())).toBeLessThan(1e-6);
    }
    tf.dispose(cases.flatMap((c) => [c.wrapped, c.original]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every other convolution goes to tfjs-node\'s kernel unchanged (bit-identical)', async () => {
    await tf.setBackend('tensorflow');
    const cases = [
      both('Conv2D', { x: x(), filter: w(3) }, { ...conv, pad: 'same' }),
      both('Conv2D', { x: x(), filter: w() }, { ...conv, strides: [2, 2] }),
      both('Conv2DBackpropFilter', { x: x(), dy: dy() }, { ...conv, pad: 'same', filterShape: [3, 3, 7, 4] }),
    ];
    for (const c of cases) {
      expect(c.ops).not.toContain(PRODUCT);
      expect(Array.from(c.wrapped.dataSync())).toEqual(Array.from(c.original.dataSync()));
    }
    tf.dispose(cases.flatMap((c) => [c.wrapped, c.original]));
  });

  it('is what tf.conv2d and its gradients run once the native patches are registered', async () => {
    await tf.setBackend('tensorflow');
    registerNativeKernelPatches();
    const backend = tf.backend() as unknown as NodeBackend;
    const spy = vi.spyOn(backend, 'executeSingleOutput');
    const filter = w();
    const input = x();
    const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'))))([input, filter]);
    const ops = spy.mock.calls.map((c) => c[0]);
    spy.mockRestore();
    expect(ops.filter((o) => o === PRODUCT)).toHaveLength(3);
    expect(ops.filter((o) => o.startsWith('Conv2D'))).toEqual([]);
    expect(dx!.shape).toEqual(input.shape);
    expect(dw!.shape).toEqual(filter.shape);
    tf.dispose([dx!, dw!, filter, input]);
  });

  it('convBiasActivation runs a pointwise convolution as one fused op where that works, else from 128 channels as MatMul + BiasAdd, equal to the composite ops, and fewer channels as before', async () => {
    await tf.setBackend('tensorflow');
    registerNativeKernelPatches();
    const backend = tf.backend() as unknown as NodeBackend;
    const fusedConvBias = oneDnnConvBiasAvailable(); // probes oneDNN's op once, before the spy counts ops
    const fused = fusedPointwiseActive(); // the same for the fused pointwise op (fused-pointwise.test.ts)
    const before = tf.memory().numTensors;
    /** The TensorFlow ops of one `convBiasActivation`, its output and the composite ops' output. */
    const run = (channels: number): { ops: string[]; got: Float32Array; want: Float32Array } => {
      const input = tf.randomUniform([2, 3, 4, channels], -1, 1, 'float32', 4) as tf.Tensor4D;
      const filter = tf.randomUniform([1, 1, channels, 5], -1, 1, 'float32', 5) as tf.Tensor4D;
      const bias = tf.randomUniform([5], -1, 1, 'float32', 6) as tf.Tensor1D;
      const spy = vi.spyOn(backend, 'executeSingleOutput');
      const y = convBiasActivation(input, filter, bias, { strides: [1, 1], pad: 'same', activation: 'relu' });
      const ops = spy.mock.calls.map((c) => c[0]);
      spy.mockRestore();
      const composite = tf.tidy(() => tf.relu(tf.add(tf.conv2d(input, filter, 1, 'same'), bias)));
      const out = { ops, got: y.dataSync() as Float32Array, want: composite.dataSync() as Float32Array };
      tf.dispose([input, filter, bias, y, composite]);
      return out;
    };
    const wide = run(POINTWISE_BIAS_MATMUL_MIN_CHANNELS);
    expect(wide.ops.filter((o) => o !== 'Reshape')).toEqual(fused ? [FUSED_POINTWISE_OP] : [PRODUCT, 'BiasAdd', 'Relu']);
    expect(maxRelativeError(wide.got, wide.want)).toBeLessThan(1e-5);
    const narrow = run(POINTWISE_BIAS_MATMUL_MIN_CHANNELS - 1);
    expect(narrow.ops).not.toContain(PRODUCT);
    if (fused) expect(narrow.ops.filter((o) => o !== 'Reshape')).toEqual([FUSED_POINTWISE_OP]);
    else if (fusedConvBias) expect(narrow.ops).toContain('_MklNativeConv2DWithBias');
    expect(maxRelativeError(narrow.got, narrow.want)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
