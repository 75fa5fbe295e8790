/**
 * Plumbing shared by the composite wasm kernels: turn a function of tensors into a tfjs
 * `KernelFunc` whose intermediates are freed, and check the layouts the kernels support.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@rfm/core';

/** The arguments tfjs passes to a kernel function. */
export interface KernelArgs {
  readonly inputs: tf.NamedTensorInfoMap;
  readonly attrs?: tf.NamedAttrMap;
  readonly backend: unknown;
}

/**
 * Wraps `body` as a kernel function. The body receives the inputs as tensors and runs tfjs ops,
 * which dispatch to the active (wasm) backend; nested kernel calls are not recorded on the gradient
 * tape. Intermediates are freed by `tf.tidy`; the returned tensor becomes the kernel's output.
 *
 * @param body - computes the kernel's single output
 */
export function compositeKernel<A>(body: (inputs: Record<string, tf.Tensor>, attrs: A) => tf.Tensor): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs;
    return tf.tidy(() => body(inputs as unknown as Record<string, tf.Tensor>, attrs as unknown as A));
  };
}

/**
 * Throws unless the convolution uses NHWC data and dilation 1 (what tfjs' own conv gradients
 * support: the forward op asserts dilation 1 whenever a gradient is taken).
 *
 * @param kernel - kernel name, for the message
 * @param dataFormat - the `dataFormat` attribute, if any
 * @param dilations - the `dilations` attribute, if any
 */
export function requireNhwcNoDilation(
  kernel: string,
  dataFormat: string | undefined,
  dilations: number | [number, number] | undefined,
): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new InvalidOptionError(`${kernel}.dataFormat`, dataFormat, '"NHWC" (the wasm training kernels support channels-last only)');
  }
  const d = dilations === undefined ? [1, 1] : typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (d[0] !== 1 || d[1] !== 1) {
    throw new InvalidOptionError(`${kernel}.dilations`, dilations, 'dilation 1 (tfjs takes no gradient of dilated convolutions)');
  }
}

/**
 * `t` as a fresh rank-1 `[c]` tensor. wasm's fused kernels validate the rank recorded with a
 * tensor's data, which a reshape shares with its source: a `[1, 1, 1, C]` tensor reshaped to `[C]`
 * is still rejected as a rank-4 bias. A multiplication by 1 gives the vector its own data.
 *
 * @param t - any tensor of `c` elements
 * @param c - its size
 */
export function ownVector(t: tf.Tensor, c: number): tf.Tensor1D {
  return tf.mul(tf.reshape(t, [c]), 1) as tf.Tensor1D;
}
