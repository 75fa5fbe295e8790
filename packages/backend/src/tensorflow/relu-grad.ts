/**
 * The gradient of `Relu` from its output, as TensorFlow's own `ReluGrad` kernel on the `tensorflow`
 * backend.
 *
 * tfjs computes it as `dy · step(x)`, and tfjs-node's `Step` is six full-size ops (IsNan, Greater,
 * two fills, two selects): about 80 ms of an Xception training step (width 0.25, 128 px, batch 16).
 * `ReluGrad(dy, y) = dy · (y > 0)` is one. Other backends keep tfjs' formula, `dy · step(y)`;
 * `initBackend` registers this gradient when it starts `tensorflow` or `wasm`.
 *
 * The gradient keeps the ReLU's **output** `y` for the backward pass instead of its input `x`
 * (`y > 0` exactly where `x > 0`, so the values are the same): the layer after a ReLU keeps `y`
 * anyway (a convolution needs its input), so the input (a batch-norm output or a residual sum) is
 * no longer needed and is freed during the forward pass (`LayersBackbone` frees intermediates). That
 * is one activation tensor less per ReLU in a training step. Where `x` is NaN the gradient may
 * differ from tfjs' (a network with NaN activations does not train either way).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of the native ReLU gradient (registered for `tensorflow` only). */
export const RELU_GRAD_KERNEL = 'RfmReluGrad';

const BACKEND = 'tensorflow';
let original: tf.GradConfig | null = null;

interface NodeBackend {
  readonly binding: Readonly<Record<string, number>>;
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.TensorInfo;
}

const kernel: tf.KernelConfig = {
  kernelName: RELU_GRAD_KERNEL,
  backendName: BACKEND,
  kernelFunc: ({ inputs, backend }) => {
    const b = backend as unknown as NodeBackend;
    const attrs = [{ name: 'T', type: b.binding['TF_ATTR_TYPE'], value: b.binding['TF_FLOAT'] }];
    return b.executeSingleOutput('ReluGrad', attrs, [inputs['dy']!, inputs['x']!]);
  },
};

/** Registers the kernel and `Relu`'s gradient from its output, through the kernel while `tensorflow` is active (idempotent). */
export function registerReluGrad(): void {
  if (original) return;
  const tfjs = tf.getGradient(tf.Relu);
  if (!tfjs) return;
  original = tfjs;
  tf.registerKernel(kernel);
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: [],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved as [tf.Tensor];
      const d = dy as tf.Tensor;
      if (tf.getBackend() !== BACKEND || y.dtype !== 'float32') return { x: () => tf.mul(d, tf.step(tf.cast(y, 'float32'))) };
      // TensorFlow's ReluGrad(gradients, features) reads only the sign of its second input.
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: d, x: y }) as tf.Tensor };
    },
  });
}

/** Restores tfjs' `Relu` gradient (for tests). */
export function unregisterReluGrad(): void {
  if (!original) return;
  tf.registerGradient(original);
  tf.unregisterKernel(RELU_GRAD_KERNEL, BACKEND);
  original = null;
}
