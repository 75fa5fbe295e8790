/**
 * `MaxPoolGrad` on the `tensorflow` backend through oneDNN. TensorFlow's own CPU `MaxPoolGrad`
 * recomputes every window's arg-max with a scalar loop: 187 ms for a `[16, 109, 109, 128]` input
 * (3x3 window, stride 2) where the pool itself takes 11 ms, and 0.45 s of a 5 s full-Xception
 * training step at 224 px. The TensorFlow builds rfm.js uses for x86 include oneDNN's pooling
 * kernels (`_MklNativeMaxPool` / `_MklNativeMaxPoolGrad`, reached by name with the
 * `MklNameChangeOp` label): the pool run again for its workspace (the arg-max of each window) plus
 * the gradient take 23 ms for the same input, with the same values as `MaxPoolGrad` (tested, ties
 * included). Builds without these ops (probed once) keep TensorFlow's kernel.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatTypeAttr, type NodeBackend } from './node-backend.js';
import { nativeOpGives } from './native-op-probe.js';

/** Window geometry in TensorFlow's terms. */
interface PoolGeometry {
  readonly ksize: number[];
  readonly strides: number[];
  readonly padding: 'VALID' | 'SAME';
}

function opAttrs(b: NodeBackend, g: PoolGeometry): unknown[] {
  return [
    floatTypeAttr(b),
    { name: 'ksize', type: b.binding['TF_ATTR_INT'], value: g.ksize },
    { name: 'strides', type: b.binding['TF_ATTR_INT'], value: g.strides },
    { name: 'padding', type: b.binding['TF_ATTR_STRING'], value: g.padding },
    { name: 'data_format', type: b.binding['TF_ATTR_STRING'], value: 'NHWC' },
    { name: '_kernel', type: b.binding['TF_ATTR_STRING'], value: 'MklNameChangeOp' },
  ];
}

/** The input gradient of a max pool through oneDNN (input, output and dy as the MaxPoolGrad kernel takes them). */
function oneDnnGrad(b: NodeBackend, g: PoolGeometry, input: tf.TensorInfo, output: tf.TensorInfo, dy: tf.TensorInfo): tf.Tensor {
  const attrs = opAttrs(b, g);
  const [pooled, workspace] = b.executeMultipleOutputs('_MklNativeMaxPool', attrs, [input], 2) as [tf.Tensor, tf.Tensor];
  pooled.dispose();
  try {
    return b.executeSingleOutput('_MklNativeMaxPoolGrad', attrs, [input, output, dy, workspace]);
  } finally {
    workspace.dispose();
  }
}

/** Whether this TensorFlow build has the oneDNN pooling ops (probed once per process). */
let available: boolean | undefined;

/**
 * Whether the active `tensorflow` backend's build has oneDNN's pooling ops, which the patched
 * `MaxPoolGrad` then uses (probed once per process; false on other backends).
 */
export function oneDnnPoolingAvailable(): boolean {
  return tf.getBackend() === 'tensorflow' && oneDnnAvailable(tf.backend() as unknown as NodeBackend);
}

function oneDnnAvailable(b: NodeBackend): boolean {
  available ??= nativeOpGives(
    [tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]), tf.tensor4d([3], [1, 1, 1, 1]), tf.tensor4d([5], [1, 1, 1, 1])],
    (x, y, dy) => oneDnnGrad(b, { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' }, x!, y!, dy!),
    '0,5,0,0',
  );
  return available;
}

/**
 * Wraps tfjs-node's `MaxPoolGrad` kernel function: float32 NHWC pools with `'valid'` or `'same'`
 * padding run through oneDNN when the build has it; everything else goes to `original`.
 *
 * @param original - tfjs-node's kernel function
 */
export function oneDnnMaxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input, output } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
    const a = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const b = args.backend as unknown as NodeBackend;
    // Rounding other than floor changes the output size, which TensorFlow's padding modes do not express.
    if (input.dtype !== 'float32' || (a.dimRoundingMode ?? 'floor') !== 'floor' || !oneDnnAvailable(b)) return original(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    if (info.padInfo.type !== 'VALID' && info.padInfo.type !== 'SAME') return original(args);
    return oneDnnGrad(
      b,
      { ksize: [1, info.filterHeight, info.filterWidth, 1], strides: [1, info.strideHeight, info.strideWidth, 1], padding: info.padInfo.type },
      input,
      output,
      dy,
    );
  };
}
