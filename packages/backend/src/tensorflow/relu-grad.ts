/**
 * The gradient of `Relu` as TensorFlow's own `ReluGrad` kernel on the `tensorflow` backend.
 *
 * tfjs computes it as `dy · step(x)`, and tfjs-node's `Step` is six full-size ops (IsNan, Greater,
 * two fills, two selects): about 80 ms of an Xception training step (width 0.25, 128 px, batch 16).
 * `ReluGrad(dy, x) = dy · (x > 0)` is one. The only difference: where `x` is NaN the result is 0,
 * not NaN. Other backends keep tfjs' gradient.
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

/** Registers the kernel and routes `Relu`'s gradient to it while `tensorflow` is active (idempotent). */
export function registerReluGrad(): void {
  if (original) return;
  const tfjs = tf.getGradient(tf.Relu);
  if (!tfjs) return;
  original = tfjs;
  tf.registerKernel(kernel);
  tf.registerGradient({
    ...tfjs,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      if (tf.getBackend() !== BACKEND || x.dtype !== 'float32' || Array.isArray(dy)) return tfjs.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor };
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
