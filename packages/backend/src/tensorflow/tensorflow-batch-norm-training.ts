/**
 * The `tensorflow` backend's kernels for core's fused training batch norm
 * (`BATCH_NORM_TRAINING_KERNEL` / `BATCH_NORM_TRAINING_GRAD_KERNEL` of `@rfm/core`): TensorFlow's
 * `FusedBatchNormV3` (is_training) and `FusedBatchNormGradV3`.
 *
 * tfjs-layers normalises a training batch with `tf.moments` plus `tf.batchNorm`, about 20 tensor
 * ops per layer once differentiated; on tfjs-node these cost about half of an Xception training
 * step (measured: 0.8–0.9 s → 0.37–0.42 s per step with batch norm removed, width 0.25, 128 px,
 * batch 16). Core's `batchNormTraining` (and its layer `RfmBatchNormalization`) runs these two
 * kernels when they are registered; the gradient is registered by core, for every backend.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL, registerBatchNormTrainingGradient } from '@rfm/core';

const BACKEND = 'tensorflow';

/** The slice of tfjs-node's backend the kernels use. */
interface NodeBackend {
  readonly binding: Readonly<Record<string, number>>;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], outputs: number): tf.TensorInfo[];
}

function opAttrs(b: NodeBackend, epsilon: number): unknown[] {
  return [
    { name: 'T', type: b.binding['TF_ATTR_TYPE'], value: b.binding['TF_FLOAT'] },
    { name: 'U', type: b.binding['TF_ATTR_TYPE'], value: b.binding['TF_FLOAT'] },
    { name: 'epsilon', type: b.binding['TF_ATTR_FLOAT'], value: epsilon },
    { name: 'data_format', type: b.binding['TF_ATTR_STRING'], value: 'NHWC' },
    { name: 'is_training', type: b.binding['TF_ATTR_BOOL'], value: true },
  ];
}

/**
 * Runs TensorFlow op `op` with the shared attributes plus `extraAttrs`, the kernel's `inputNames`
 * followed by `empties` empty vectors, and returns the outputs at `keep` (the others are freed).
 */
function runFusedBatchNormOp(
  args: Parameters<tf.KernelFunc>[0],
  op: string,
  extraAttrs: unknown[],
  inputNames: readonly string[],
  empties: number,
  outputs: number,
  keep: readonly number[],
): tf.TensorInfo[] {
  const b = args.backend as unknown as NodeBackend;
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const empty = tf.tensor1d([], 'float32');
  try {
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    const out = b.executeMultipleOutputs(op, [...opAttrs(b, epsilon), ...extraAttrs], [...inputNames.map((n) => inputs[n]!), ...Array<tf.TensorInfo>(empties).fill(empty)], outputs);
    tf.dispose(out.filter((_, k) => !keep.includes(k)) as tf.Tensor[]);
    return keep.map((k) => out[k]!);
  } finally {
    empty.dispose();
  }
}

/** Forward: `[y, batch mean, biased batch variance]` (TensorFlow's reserve spaces 1 and 2 on CPU). */
const forwardConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNEL,
  backendName: BACKEND,
  // Outputs: y, batch_mean, batch_variance (Bessel-corrected), reserve_1 (mean), reserve_2 (biased variance), reserve_3.
  kernelFunc: (args) =>
    runFusedBatchNormOp(args, 'FusedBatchNormV3', [{ name: 'exponential_avg_factor', type: (args.backend as unknown as NodeBackend).binding['TF_ATTR_FLOAT'], value: 1 }], ['x', 'scale', 'offset'], 2, 6, [0, 3, 4]),
};

/** Backward: `[dx, d scale, d offset]`. */
const backwardConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD_KERNEL,
  backendName: BACKEND,
  kernelFunc: (args) => runFusedBatchNormOp(args, 'FusedBatchNormGradV3', [], ['dy', 'x', 'scale', 'mean', 'variance'], 1, 5, [0, 1, 2]),
};

/** Registers the native training batch norm kernels on `tensorflow`, and core's gradient (idempotent). */
export function registerBatchNormTrainingKernels(): void {
  registerBatchNormTrainingGradient();
  if (tf.getKernel(BATCH_NORM_TRAINING_KERNEL, BACKEND)) return;
  tf.registerKernel(forwardConfig);
  tf.registerKernel(backwardConfig);
}

/** Removes them again (for tests). */
export function unregisterBatchNormTrainingKernels(): void {
  if (!tf.getKernel(BATCH_NORM_TRAINING_KERNEL, BACKEND)) return;
  tf.unregisterKernel(BATCH_NORM_TRAINING_KERNEL, BACKEND);
  tf.unregisterKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, BACKEND);
}
