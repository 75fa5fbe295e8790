/**
 * A pointwise convolution + bias (+ ReLU) of an inference pass as one oneDNN op on the `tensorflow`
 * backend: `_MklNativeFusedMatMul` with `fused_ops: ['BiasAdd', 'Relu']` (or `['BiasAdd']`) on the
 * `[n·h·w, ci]` rows and the `[ci, co]` filter. `MatMul`, `BiasAdd` and `Relu` make three passes over
 * the output where this op makes one. Medians of 9 calls on a 2-core AMD EPYC, two intra-op threads
 * (docs/memory-and-speed.md, sixteenth session), three ops against the fused one:
 * - at 224 px: `[16·109·109, 64] x [64, 128]` 18.6 against 12.0 ms, `[16·55·55, 128] x [128, 256]`
 *   15.1 against 11.1 ms, `[16·14·14, 728] x [728, 728]` 17.6 against 16.7 ms;
 * - at width 0.25: `[16·8·8, 182] x [182, 182]` 0.64 against 0.38 ms, `[16·16·16, 64] x [64, 182]`
 *   0.96 against 0.58 ms.
 *
 * Three conditions, checked once per process:
 * - The addon can set list attributes. tfjs-node's own addon cannot; the one `rfm backend
 *   build-native` compiles can (`@rfm/native-build`'s `binding-patches.ts`).
 * - The TensorFlow build has the op (oneDNN builds for x86), and it gives the right values on a
 *   tiny input.
 * - TensorFlow has at least two intra-op threads, or the addon blocks asynchronous signals while an
 *   op runs (addon-patches.ts). With one thread and no such addon, TensorFlow runs the op on Node's
 *   main thread, and a signal handled there during the product corrupts the heap, as with `MatMul`
 *   (pointwise-matmul.ts): glibc aborted the process in 2 of 2 runs under SIGUSR2 every 2 ms; with
 *   the signals blocked it survived 2 of 2. With two threads the op survived 11 of 11 such runs,
 *   while TensorFlow's Eigen `_FusedMatMul` (the faster one) aborted in 2 of 3, so that one is not
 *   used.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatTypeAttr, type NodeBackend } from './node-backend.js';
import { pointwiseProduct } from './pointwise-matmul.js';
import { nativeOpGives } from './native-op-probe.js';
import { tensorflowIntraOpThreads } from './intra-op-threads.js';
import { signalsBlockedDuringOps } from './addon-patches.js';

/** The fused op's name. */
export const FUSED_POINTWISE_OP = '_MklNativeFusedMatMul';

/** The activations the fused op applies after the bias. */
export type FusedActivation = 'linear' | 'relu';

/** Per addon: the fused op's attributes for each activation (built once, read at every call). */
const attrsByBinding = new WeakMap<NodeBackend['binding'], Record<FusedActivation, unknown[]>>();

function fusedAttrs(b: NodeBackend, activation: FusedActivation): unknown[] {
  let byActivation = attrsByBinding.get(b.binding);
  if (!byActivation) attrsByBinding.set(b.binding, (byActivation = { relu: buildFusedAttrs(b, 'relu'), linear: buildFusedAttrs(b, 'linear') }));
  return byActivation[activation];
}

function buildFusedAttrs(b: NodeBackend, activation: FusedActivation): unknown[] {
  const bin = b.binding;
  return [
    floatTypeAttr(b),
    { name: 'transpose_a', type: bin['TF_ATTR_BOOL'], value: false },
    { name: 'transpose_b', type: bin['TF_ATTR_BOOL'], value: false },
    { name: 'num_args', type: bin['TF_ATTR_INT'], value: 1 },
    { name: 'fused_ops', type: bin['TF_ATTR_STRING'], value: activation === 'relu' ? ['BiasAdd', 'Relu'] : ['BiasAdd'] },
    { name: 'epsilon', type: bin['TF_ATTR_FLOAT'], value: 0.0001 },
    { name: 'leakyrelu_alpha', type: bin['TF_ATTR_FLOAT'], value: 0.2 },
    { name: '_kernel', type: bin['TF_ATTR_STRING'], value: 'MklNameChangeOp' },
  ];
}

/** `activation(rows · weights + bias)` of 2-D `rows` `[m, k]` and `weights` `[k, n]`, with `bias` `[n]`. */
function fusedProduct(b: NodeBackend, rows: tf.TensorInfo, weights: tf.TensorInfo, bias: tf.TensorInfo, activation: FusedActivation): tf.Tensor {
  return b.executeSingleOutput(FUSED_POINTWISE_OP, fusedAttrs(b, activation), [rows, weights, bias]);
}

/** Whether the fused op works in this process (probed once; see the module comment). */
let usable: boolean | undefined;

/**
 * Whether {@link fusedPointwiseConvBiasActivation} can run here: at least two intra-op threads or
 * an addon that blocks signals during ops, an addon that sets list attributes, and a TensorFlow
 * build whose fused op gives the right values (probed once per process on the active backend, which
 * must be `tensorflow`).
 *
 * @param b - the `tensorflow` backend
 */
export function fusedPointwiseUsable(b: NodeBackend): boolean {
  // [[1, 2], [-3, 4]] · I + [0.5, -10], then ReLU: [1.5, 0, 0, 0]. The probe also fails where the
  // addon cannot set list attributes.
  usable ??=
    (tensorflowIntraOpThreads() >= 2 || signalsBlockedDuringOps()) &&
    nativeOpGives(
      [tf.tensor2d([1, 2, -3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2]), tf.tensor1d([0.5, -10])],
      (x, w, bias) => fusedProduct(b, x!, w!, bias!, 'relu'),
      '1.5,0,0,0',
    );
  return usable;
}

/**
 * Whether inference passes on the active backend run pointwise convolutions + bias + ReLU as one
 * fused op: the backend is `tensorflow`, TensorFlow has two or more intra-op threads or the addon
 * blocks signals during ops, the addon sets list attributes (both: one built by `rfm backend
 * build-native`), and the op gives the right values (probed once).
 *
 * @example
 * ```ts
 * await initBackend('tensorflow');
 * console.log(fusedPointwiseActive()); // true with two threads and an addon from `rfm backend build-native`
 * ```
 */
export function fusedPointwiseActive(): boolean {
  return tf.getBackend() === 'tensorflow' && fusedPointwiseUsable(tf.backend() as unknown as NodeBackend);
}

/**
 * `activation(conv2d(x, filter) + bias)` for a pointwise convolution (the caller checks that it is
 * one and that {@link fusedPointwiseUsable} holds), as one fused op.
 *
 * @param b - the `tensorflow` backend
 * @param x - `[n, h, w, ci]`
 * @param filter - `[1, 1, ci, co]`
 * @param bias - `[co]`
 * @param activation - `'relu'` or `'linear'`
 * @returns `[n, h, w, co]`
 */
export function fusedPointwiseConvBiasActivation(
  b: NodeBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo,
  activation: FusedActivation,
): tf.Tensor4D {
  return pointwiseProduct(b, x, filter, (rows, weights) => fusedProduct(b, rows, weights, bias, activation));
}
