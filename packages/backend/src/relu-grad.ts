/**
 * The gradient of `Relu` from its output, through one kernel where the active backend has it
 * (`RfmReluGrad`: `dx = dy` where `y > 0`, else 0).
 *
 * tfjs computes it as `dy · step(x)`: two full-size kernels, and on tfjs-node `Step` alone is six
 * full-size ops (IsNan, Greater, two fills, two selects), about 80 ms of an Xception training step
 * (width 0.25, 128 px, batch 16). On `tensorflow` the kernel is TensorFlow's own `ReluGrad`
 * (registered here); on `wasm` it is rfm.js' SIMD module (`wasm/kernels/relu-grad.ts`, registered
 * with the wasm training kernels). Other backends keep tfjs' formula, `dy · step(y)`; `initBackend`
 * registers this gradient when it starts `tensorflow` or `wasm`.
 *
 * The gradient keeps the ReLU's **output** `y` for the backward pass instead of its input `x`
 * (`y > 0` exactly where `x > 0`, so the values are the same): the layer after a ReLU keeps `y`
 * anyway (a convolution needs its input), so the input (a batch-norm output or a residual sum) is
 * no longer needed and is freed during the forward pass (`LayersBackbone` frees intermediates). That
 * is one activation tensor less per ReLU in a training step. Where `x` is NaN, or `dy` is infinite
 * or NaN where `y` is 0, the kernel gives 0 where tfjs' formula gives NaN (a network with such
 * values does not train either way).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatTypeAttr, type NodeBackend } from './tensorflow/node-backend.js';

/** Kernel name of the one-pass ReLU gradient (inputs `dy` and the ReLU's output as `x`); registered for `tensorflow` here and for `wasm` by its training kernels. */
export const RELU_GRAD_KERNEL = 'RfmReluGrad';

const BACKEND = 'tensorflow';
let original: tf.GradConfig | null = null;

const kernel: tf.KernelConfig = {
  kernelName: RELU_GRAD_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, backend }) => {
    const b = backend as unknown as NodeBackend;
    const attrs = [floatTypeAttr(b)];
    return b.executeSingleOutput('ReluGrad', attrs, [inputs['dy']!, inputs['x']!]);
  },
};

/** `Relu`'s gradient from its output `y`: the active backend's kernel where it has one, else `dy · step(y)`. */
const gradientConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: [],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [y] = saved as [tf.Tensor];
    const d = dy as tf.Tensor;
    if (y.dtype !== 'float32' || tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) === undefined) return { x: () => tf.mul(d, tf.step(tf.cast(y, 'float32'))) };
    // The kernel (like TensorFlow's ReluGrad(gradients, features)) reads only the sign of its second input.
    return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: d, x: y }) as tf.Tensor };
  },
};

/**
 * Registers the `tensorflow` kernel and `Relu`'s gradient from its output (idempotent). It checks
 * the gradient registry itself rather than a flag: loading tfjs-node after wasm registers all of
 * tfjs' gradients again, which put tfjs' `Relu` gradient back in a process that started both.
 */
export function registerReluGrad(): void {
  if (tf.getKernel(RELU_GRAD_KERNEL, BACKEND) === undefined) tf.registerKernel(kernel);
  const current = tf.getGradient(tf.Relu);
  if (current === undefined || current === gradientConfig) return;
  original = current;
  tf.registerGradient(gradientConfig);
}

/** Restores tfjs' `Relu` gradient (for tests). */
export function unregisterReluGrad(): void {
  if (tf.getKernel(RELU_GRAD_KERNEL, BACKEND) !== undefined) tf.unregisterKernel(RELU_GRAD_KERNEL, BACKEND);
  if (original === null) return;
  tf.registerGradient(original);
  original = null;
}
