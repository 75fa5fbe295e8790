/**
 * Rebuilds batch-norm outputs (and the ReLUs of them) in the backward pass instead of keeping them
 * through it: the trade PyTorch users make with checkpointing, limited to layers that one
 * elementwise pass redoes.
 *
 * A training-mode batch norm keeps its input `x` for its own gradient. Its output `y` and
 * `relu(y)` are kept as well when the kernels after them need them: a max pool keeps `y`, a
 * convolution keeps the `relu(y)` it reads, a ReLU keeps its output. All of them can be rebuilt
 * from `x` by running the same batch-norm kernel (same input and attributes: the same values) and
 * the same ReLU (or, where the backend registers {@link BATCH_NORM_REBUILD_KERNEL}, one pass that
 * applies the saved batch statistics, the ReLU included, to the same bits). {@link dropRebuildable}
 * is called with each intermediate tensor as soon as the forward pass has disposed it
 * (`LayersBackbone` does so after the last layer that reads it): if only the backward pass's saved
 * copies still hold its data, they are disposed at once, and the first backward node that reads
 * the tensor rebuilds it, just before that node's gradient runs. On Xception at 224 px with batch
 * 16 this lowers the live tensor memory at the end of the forward pass by about 700 MiB, for one
 * batch-norm and at most one ReLU kernel per rebuilt tensor (one kernel in all on wasm).
 *
 * Tensors under {@link recomputeMinBytes} stay: a small one frees little and still costs its
 * kernel calls, which small models, dominated by per-call costs, feel most.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_REBUILD_KERNEL, hasBatchNormRebuildKernel, type BatchNormRebuildAttrs } from './ops/batch-norm-rebuild.js';
import { BATCH_NORM_TRAINING_KERNEL, batchNormTrainingAttrsOf } from './ops/batch-norm-training.js';

/** The parts of a tfjs tape node this module reads or changes. */
interface TapeNode {
  readonly kernelName: string;
  readonly inputs: Readonly<Record<string, tf.Tensor>>;
  readonly outputs: readonly tf.Tensor[];
  readonly saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/** The parts of the tfjs engine state this module reads. */
interface EngineState {
  readonly activeTape: TapeNode[] | null;
  readonly gradientDepth: number;
}

/** Default for {@link recomputeMinBytes}: 8 MiB (a `[16, 14, 14, 728]` float32 map is 8.7 MiB). */
export const DEFAULT_RECOMPUTE_MIN_BYTES = 8 * 2 ** 20;

let minBytes = DEFAULT_RECOMPUTE_MIN_BYTES;

/**
 * Sets the smallest tensor (in bytes) that the backward pass rebuilds instead of keeping
 * (`Infinity`: none). For comparisons and tests.
 *
 * @param bytes - the new threshold
 * @returns the previous threshold
 */
export function recomputeMinBytes(bytes: number): number {
  const previous = minBytes;
  minBytes = bytes;
  return previous;
}

/** The backend's reference count of a tensor's data, or null if the backend does not tell. */
function dataRefCount(t: tf.Tensor): number | null {
  const backend = tf.engine().backend as unknown as { refCount?: (dataId: tf.DataId) => number };
  return typeof backend.refCount === 'function' ? backend.refCount(t.dataId) : null;
}

/** Index of the tape node that output `t`, searching back from the end; -1 if none. */
function producerIndex(tape: readonly TapeNode[], t: tf.Tensor, before = tape.length): number {
  for (let i = before - 1; i >= 0; i--) if (tape[i]!.outputs.includes(t)) return i;
  return -1;
}

/**
 * How to rebuild `t` from the tape: the batch-norm node that made it (directly, or as the input of
 * the ReLU that made it), with that node's saved input and scale and its offset still alive; null
 * for any other tensor.
 */
function rebuildRecipe(tape: readonly TapeNode[], at: number, t: tf.Tensor): (() => tf.Tensor) | null {
  let node = tape[at]!;
  const relu = node.kernelName === tf.Relu;
  // The batch norm's output: `t` itself, or the ReLU's input.
  const normalized = relu ? node.inputs['x'] : t;
  if (relu) {
    const bnAt = normalized === undefined ? -1 : producerIndex(tape, normalized, at);
    if (bnAt < 0) return null;
    node = tape[bnAt]!;
  }
  const y = node.outputs[0];
  if (node.kernelName !== BATCH_NORM_TRAINING_KERNEL || y === undefined || y !== normalized) return null;
  const attrs = batchNormTrainingAttrsOf(y);
  const [x, scale, mean, variance] = node.saved ?? [];
  const offset = node.inputs['offset'];
  if (attrs === undefined || x === undefined || scale === undefined || offset === undefined || [x, scale, offset].some((v) => v.isDisposed)) {
    return null;
  }
  return () => {
    // One pass from the saved statistics where the backend guarantees the same bits.
    if (mean !== undefined && variance !== undefined && !mean.isDisposed && !variance.isDisposed && hasBatchNormRebuildKernel()) {
      const rebuildAttrs: BatchNormRebuildAttrs = { epsilon: attrs.epsilon, relu };
      return tf.engine().runKernel(BATCH_NORM_REBUILD_KERNEL, { x, scale, offset, mean, variance }, rebuildAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    }
    return tf.tidy(() => {
      const [out] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, scale, offset }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return relu ? tf.relu(out!) : out!;
    });
  };
}

/**
 * Call with an intermediate tensor of a training forward pass right after disposing it. If it is
 * a batch norm's output, or a ReLU of one, at least {@link recomputeMinBytes} large, and only the
 * tape's saved copies still hold its data, those copies are disposed now and rebuilt when the
 * backward pass reaches the first node that reads them (each node gets its own copy, disposed as
 * the engine disposes saved tensors). A no-op outside a first-order gradient's forward pass.
 *
 * @param t - the tensor just disposed
 * @returns whether its saved copies were dropped
 */
export function dropRebuildable(t: tf.Tensor): boolean {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const tape = state.activeTape;
  if (tape === null || state.gradientDepth !== 1 || !t.isDisposed || t.dtype !== 'float32' || t.size * 4 < minBytes) return false;
  const at = producerIndex(tape, t);
  const rebuild = at < 0 ? null : rebuildRecipe(tape, at, t);
  if (rebuild === null) return false;
  const holders: { node: TapeNode; index: number }[] = [];
  for (let i = at; i < tape.length; i++) {
    tape[i]!.saved?.forEach((s, index) => {
      if (!s.isDisposed && s.dataId === t.dataId) holders.push({ node: tape[i]!, index });
    });
  }
  const first = holders[0];
  if (first === undefined || dataRefCount(first.node.saved![first.index]!) !== holders.length) return false;
  // A batch norm's saved input is what rebuilds read: it stays.
  if (holders.some((h) => h.node.kernelName === BATCH_NORM_TRAINING_KERNEL && h.index === 0)) return false;
  for (const h of holders) h.node.saved![h.index]!.dispose();
  let built = false;
  for (const node of new Set(holders.map((h) => h.node))) {
    const original = node.gradient;
    if (original === undefined) continue;
    node.gradient = (dys) => {
      if (!built) {
        built = true;
        const value = rebuild();
        for (const h of holders) h.node.saved![h.index] = tf.keep(tf.clone(value));
        value.dispose();
      }
      return original(dys);
    };
  }
  return true;
}
