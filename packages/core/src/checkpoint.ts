/**
 * Training checkpoints: model weights (including batch-norm moving statistics), optimizer state,
 * RNG and data-stream state, step and best score, written atomically so `resume` continues the
 * very same run.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { recoverDir, replaceDirAtomic, writeFileAtomic } from './atomic-write.js';
import type { Backbone } from './backbone.js';
import { CheckpointError, errorMessage, firstErrorLine } from './errors.js';
import { checkWeightSpecs, readJsonFile } from './model-io.js';
import type { RngState } from './rng.js';

/** The best validation score seen so far. */
export interface BestScore {
  /** Metric name, e.g. `auc`. */
  readonly metric: string;
  /** Its value (higher is better). */
  readonly value: number;
  /** Iteration at which it was reached. */
  readonly step: number;
}

/** Everything besides tensors that a checkpoint restores. */
export interface TrainingState {
  /** Completed iterations. */
  readonly step: number;
  /** State of the run's RNG (used by augmentations). */
  readonly rng: RngState;
  /** State of the training batch stream. */
  readonly batches: unknown;
  /** Best validation score so far. */
  readonly best: BestScore | null;
  /** Validation metrics at the best step (absent in checkpoints of older versions). */
  readonly bestMetrics?: unknown;
  /** Trainer options the run was started with (checked on resume). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Backbone description (checked on resume). */
  readonly backbone: Readonly<Record<string, unknown>>;
}

/** A tensor with the name it is saved under. */
interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** Weight specs in tfjs' format (`tf.io.encodeWeights` without quantisation). */
function weightSpecs(named: readonly NamedTensor[]): tf.io.WeightsManifestEntry[] {
  return named.map(({ name, tensor }) => {
    if (tensor.dtype === 'string') throw new CheckpointError(`Cannot save ${name}: string tensors are not weights.`);
    return { name, shape: [...tensor.shape], dtype: tensor.dtype };
  });
}

/**
 * The tensors' bytes in tfjs' weight-file layout, one tensor at a time, so that a checkpoint of
 * the full Xception (weights 83 MB, Adam moments 166 MB) never holds all of them in JavaScript at
 * once; `release(t)` runs after a tensor's bytes are written.
 */
function* weightBytes(named: readonly NamedTensor[], release: (t: tf.Tensor) => void = () => {}): Generator<Uint8Array> {
  for (const { tensor } of named) {
    const values = tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
    yield new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    release(tensor);
  }
}

const CHECKPOINT_FIX = 'Resume from an earlier copy of the run folder, or start a new run.';

function decode(dir: string, name: string): tf.NamedTensorMap {
  const manifest = join(dir, `${name}.json`);
  const file = join(dir, `${name}.bin`);
  const raw = readJsonFile(manifest, CHECKPOINT_FIX);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`Cannot read ${file}: ${errorMessage(e)}. ${CHECKPOINT_FIX}`, { cause: e });
  }
  const specs = checkWeightSpecs(raw, buf.byteLength, file, manifest);
  return tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, specs);
}

/**
 * Writes a checkpoint folder (`weights.*`, `optimizer.*`, `state.json`), replacing the previous
 * one atomically.
 *
 * @param dir - checkpoint folder, e.g. `RUN_DIR/checkpoint`
 * @param backbone - the network
 * @param optimizer - the optimizer (its moments and iteration count are saved)
 * @param state - step, RNG and data state
 */
export async function saveCheckpoint(dir: string, backbone: Backbone, optimizer: tf.Optimizer, state: TrainingState): Promise<void> {
  const weights = backbone.model.weights.map((w, i) => ({ name: `w${i}`, tensor: w.read() }));
  const optimizerWeights = await optimizer.getWeights();
  // getWeights() returns new tensors (the iteration count; FlatAdamOptimizer's moments) besides the
  // optimizer's own variables (tfjs Adam's moments): free the former, each once it is written.
  const transient = new Set(optimizerWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  const release = (t: tf.Tensor): void => {
    if (transient.has(t)) t.dispose();
  };
  try {
    replaceDirAtomic(dir, (tmp) => {
      writeFileAtomic(join(tmp, 'weights.bin'), weightBytes(weights));
      writeFileAtomic(join(tmp, 'weights.json'), JSON.stringify(weightSpecs(weights)));
      writeFileAtomic(join(tmp, 'optimizer.json'), JSON.stringify(weightSpecs(optimizerWeights)));
      writeFileAtomic(join(tmp, 'optimizer.bin'), weightBytes(optimizerWeights, release));
      writeFileAtomic(join(tmp, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    });
  } finally {
    tf.dispose([...transient]);
  }
}

/**
 * Reads only the non-tensor state of a checkpoint.
 *
 * @throws {@link CheckpointError} when the folder is missing or unreadable
 */
export function readTrainingState(dir: string): TrainingState {
  const src = recoverDir(dir);
  if (!src) throw new CheckpointError(`No checkpoint at ${dir}; start the run without \`resume: true\` first.`);
  const path = join(src, 'state.json');
  const state = readJsonFile(path, CHECKPOINT_FIX) as Partial<TrainingState> | null;
  if (state === null || typeof state !== 'object' || !Number.isInteger(state.step) || typeof state.options !== 'object' || typeof state.backbone !== 'object') {
    throw new CheckpointError(`${path} is damaged: it lacks step, options or backbone. ${CHECKPOINT_FIX}`);
  }
  return state as TrainingState;
}

/**
 * Restores weights and optimizer state from a checkpoint into an already built backbone of the
 * same architecture and a fresh optimizer of the same kind; returns the non-tensor state.
 *
 * @throws {@link CheckpointError} when the checkpoint does not fit the backbone
 */
export async function loadCheckpoint(dir: string, backbone: Backbone, optimizer: tf.Optimizer): Promise<TrainingState> {
  const state = readTrainingState(dir);
  const src = recoverDir(dir)!;
  const weights = decode(src, 'weights');
  const variables = backbone.model.weights;
  const values = variables.map((_, i) => weights[`w${i}`]);
  if (values.some((v) => v === undefined) || Object.keys(weights).length !== variables.length) {
    tf.dispose(Object.values(weights));
    throw new CheckpointError(
      `Checkpoint ${src} holds ${Object.keys(weights).length} weights, the backbone has ${variables.length}: it was written for another architecture.`,
    );
  }
  try {
    variables.forEach((v, i) => v.write(values[i]!));
  } catch (e) {
    throw new CheckpointError(`${join(src, 'weights.bin')} does not fit the backbone: ${firstErrorLine(e)}. ${CHECKPOINT_FIX}`, { cause: e });
  } finally {
    tf.dispose(Object.values(weights));
  }
  const opt = decode(src, 'optimizer');
  const named = Object.entries(opt).map(([name, tensor]) => ({ name, tensor }));
  // The iteration count must come first (tfjs optimizers read it from position 0).
  named.sort((a, b) => (a.name === 'iter' ? -1 : b.name === 'iter' ? 1 : 0));
  try {
    await optimizer.setWeights(named);
  } catch (e) {
    throw new CheckpointError(`${join(src, 'optimizer.bin')} does not fit the backbone: ${firstErrorLine(e)}. ${CHECKPOINT_FIX}`, { cause: e });
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
  return state;
}
