/**
 * `Multiply`, `Add` and `Sub` of an activation `[..., C]` with a per-channel vector (`[C]` or
 * `[1, ..., 1, C]`), as a 1x1 depthwise convolution (with a bias for the sums). wasm's binary ops
 * take a generic broadcasting loop for these (1.3 ms for 1.9M floats against 0.26 ms without
 * broadcasting); XNNPACK's depthwise kernel streams them in 0.55 ms. The results are bit-identical:
 * one multiply (`x·w`), or one multiply by ±1 and one add (`±x + b`). Batch normalisation, forward
 * and backward, is made of these. Other shapes go to wasm's own kernels.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { ownVector } from './kernel-helpers.js';

/** Below this many elements wasm's broadcasting loop is as fast. */
export const CHANNEL_BROADCAST_MIN_SIZE = 65536;

/** Whether `small` is a per-channel vector for `big` (`[C]` or `[1, ..., 1, C]`, C = last axis of big). */
export function isChannelVector(big: readonly number[], small: readonly number[]): boolean {
  if (big.length < 2 || small.length === 0 || small.length > big.length) return false;
  const c = big[big.length - 1]!;
  return small[small.length - 1] === c && small.slice(0, -1).every((d) => d === 1);
}

type Op = 'mul' | 'add' | 'sub';

/**
 * `big ⊙ v` or `v ⊙ big` with `v` per channel, through a 1x1 depthwise convolution.
 *
 * @param op - which operation
 * @param big - the activation `[..., C]`
 * @param v - the per-channel operand
 * @param bigFirst - whether `big` is the left operand (matters for `sub`)
 */
export function channelOp(op: Op, big: tf.Tensor, v: tf.Tensor, bigFirst: boolean): tf.Tensor {
  return tf.tidy(() => {
    const c = big.shape[big.rank - 1]!;
    const x = tf.reshape(big, [1, 1, big.size / c, c]) as tf.Tensor4D;
    let out: tf.Tensor4D;
    if (op === 'mul') {
      out = tf.depthwiseConv2d(x, tf.reshape(v, [1, 1, c, 1]) as tf.Tensor4D, 1, 'valid');
    } else {
      const sign = op === 'sub' && !bigFirst ? -1 : 1;
      // The fused kernel wants a bias with data of its own (see ownVector); neg makes one too.
      const bias = op === 'sub' && bigFirst ? (tf.neg(tf.reshape(v, [c])) as tf.Tensor1D) : ownVector(v, c);
      out = tf.fused.depthwiseConv2d({ x, filter: tf.fill([1, 1, c, 1], sign) as tf.Tensor4D, strides: 1, pad: 'valid', bias });
    }
    return tf.reshape(out, big.shape);
  });
}

function createConfig(kernelName: string, op: Op, original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const a = args.inputs['a'] as tf.Tensor;
      const b = args.inputs['b'] as tf.Tensor;
      if (a.dtype === 'float32' && b.dtype === 'float32') {
        if (a.size >= CHANNEL_BROADCAST_MIN_SIZE && isChannelVector(a.shape, b.shape)) return channelOp(op, a, b, true);
        if (b.size >= CHANNEL_BROADCAST_MIN_SIZE && isChannelVector(b.shape, a.shape)) return channelOp(op, b, a, false);
      }
      return original.kernelFunc(args);
    },
  };
}

/** The `Multiply` override for wasm. @param original - wasm's own kernel, for every other case */
export function createMultiplyConfig(original: tf.KernelConfig): tf.KernelConfig {
  return createConfig(tf.Multiply, 'mul', original);
}

/** The `Add` override for wasm. @param original - wasm's own kernel, for every other case */
export function createAddConfig(original: tf.KernelConfig): tf.KernelConfig {
  return createConfig(tf.Add, 'add', original);
}

/** The `Sub` override for wasm. @param original - wasm's own kernel, for every other case */
export function createSubConfig(original: tf.KernelConfig): tf.KernelConfig {
  return createConfig(tf.Sub, 'sub', original);
}
