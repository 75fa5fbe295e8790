/**
 * Runs a tfjs-layers functional model the way PyTorch keeps memory: every intermediate tensor is
 * freed as soon as the last layer that reads it has run, in training mode too.
 *
 * tfjs-layers' own executor frees intermediates only in inference mode; in training mode it keeps
 * every layer output (and every tensor made inside a layer) until the enclosing `tf.tidy` ends, so a
 * training step's forward pass ends holding all of them. A gradient does not need the originals:
 * what a kernel's backward pass reads, the engine saved as its own handles when the kernel ran
 * (`keep(clone(x))`, sharing storage), and the tape reads only the ids and shapes of node inputs
 * and outputs. So disposing an intermediate after its last reader frees exactly the tensors no
 * backward pass needs, and the gradients are unchanged (tfjs-layers does the same in inference
 * mode, where the FAM pass differentiates through it).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { batchNormScaleShifts, canFoldConvBatchNorm, foldConvBatchNorm, isReluLayer } from './layers/batch-norm-folding.js';
import { dropRebuildable } from './activation-recompute.js';
import { deferMovingAverageUpdates } from './layers/moving-average-updates.js';

/** The parts of a tfjs-layers graph node this module reads. */
interface GraphNode {
  readonly outboundLayer: { apply(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] };
  readonly inputTensors: SymbolicTensor[];
  readonly outputTensors: SymbolicTensor[];
  readonly callArgs?: Record<string, unknown> | null;
}

/** One layer call of the plan, with the symbolic tensors it frees afterwards. */
interface PlannedCall {
  readonly node: GraphNode;
  readonly frees: readonly number[];
  /** The index of the call that alone reads this call's only output (candidate for batch-norm folding). */
  readonly soleReader?: number;
}

const plans = new WeakMap<LayersModel, PlannedCall[]>();

/** The model's layer calls in execution order, each with the tensors read for the last time there. */
function planOf(model: LayersModel): PlannedCall[] {
  const cached = plans.get(model);
  if (cached) return cached;
  const byDepth = (model as unknown as { nodesByDepth: Record<string, GraphNode[]> }).nodesByDepth;
  const nodes = Object.keys(byDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((d) => byDepth[String(d)]!)
    .filter((n) => n.inputTensors.length > 0 && n.outputTensors.every((t) => !model.inputs.includes(t)));
  const lastReader = new Map<number, number>();
  nodes.forEach((n, i) => n.inputTensors.forEach((t) => lastReader.set(t.id, i)));
  const keep = new Set<number>([...model.inputs, ...model.outputs].map((t) => t.id));
  const readers = new Map<number, number[]>();
  nodes.forEach((n, i) => n.inputTensors.forEach((t) => readers.set(t.id, [...(readers.get(t.id) ?? []), i])));
  const plan = nodes.map((node, i) => {
    const out = node.outputTensors.length === 1 ? node.outputTensors[0]! : null;
    const reader = out === null || keep.has(out.id) ? undefined : readers.get(out.id);
    const sole = reader?.length === 1 && nodes[reader[0]!]!.inputTensors.length === 1 ? reader[0] : undefined;
    return {
      node,
      frees: [...new Set(node.inputTensors.map((t) => t.id))].filter((id) => lastReader.get(id) === i && !keep.has(id)),
      ...(sole === undefined ? {} : { soleReader: sole }),
    };
  });
  plans.set(model, plan);
  return plan;
}

/** Options of {@link applyFreeingIntermediates}. */
export interface FreeingRunOptions {
  /**
   * In inference mode, fold each batch norm into the convolution that alone feeds it
   * (`foldConvBatchNorm`), with the ReLU that alone reads the batch norm's output: equal up to
   * float32 rounding, one or two full-size kernels less each way.
   * @default false
   */
  readonly foldBatchNorm?: boolean;
}

/**
 * Applies a single-input functional model, disposing each intermediate tensor once no later layer
 * reads it, and each layer's internal tensors when the layer returns (tfjs-layers keeps the latter
 * until the whole model returns, in inference mode too: under a gradient, as in a FAM pass, that
 * is one more activation per batch-norm layer). Same kernels on the same values as
 * `model.apply(x, { training })` unless batch norms are folded; returns the model's outputs (the
 * caller owns them). In training mode the batch norms' moving-statistics updates run together
 * after the last layer ({@link deferMovingAverageUpdates}; the same statistics), and each freed
 * batch-norm output large enough is left for the backward pass to rebuild ({@link dropRebuildable}).
 *
 * @param model - a functional model with one input, each layer called once
 * @param x - the input (not disposed)
 * @param training - the `training` flag every layer gets
 * @param options - batch-norm folding in inference mode
 */
export function applyFreeingIntermediates(model: LayersModel, x: tf.Tensor, training: boolean, options: FreeingRunOptions = {}): tf.Tensor[] {
  // Training: the batch norms' moving-statistics updates run together after the last layer.
  return training ? deferMovingAverageUpdates(() => runPlan(model, x, training, options)) : runPlan(model, x, training, options);
}

/** A convolution folded with the batch norm that alone reads it, and with that one's sole ReLU reader if any. */
interface Fold {
  /** Plan index of the batch norm. */
  readonly batchNorm: number;
  /** Plan index of the ReLU, if it joins the fold. */
  readonly relu?: number;
}

const foldPlans = new WeakMap<LayersModel, Map<number, Fold>>();

/** The folds of an inference run with folding, by the plan index of their convolution. */
function foldsOf(model: LayersModel, plan: readonly PlannedCall[]): Map<number, Fold> {
  const cached = foldPlans.get(model);
  if (cached) return cached;
  const folds = new Map<number, Fold>();
  const folded = new Set<number>();
  plan.forEach(({ node, soleReader }, index) => {
    if (soleReader === undefined || node.inputTensors.length !== 1 || folded.has(index)) return;
    if (!canFoldConvBatchNorm(node.outboundLayer, plan[soleReader]!.node.outboundLayer)) return;
    // The ReLU that alone reads the batch norm's output, if any, joins the fold.
    const reluIndex = plan[soleReader]!.soleReader;
    const relu = reluIndex !== undefined && isReluLayer(plan[reluIndex]!.node.outboundLayer) ? reluIndex : undefined;
    folds.set(index, relu === undefined ? { batchNorm: soleReader } : { batchNorm: soleReader, relu });
    folded.add(soleReader);
    if (relu !== undefined) folded.add(relu);
  });
  foldPlans.set(model, folds);
  return folds;
}

/** The layer calls of {@link applyFreeingIntermediates}. */
function runPlan(model: LayersModel, x: tf.Tensor, training: boolean, options: FreeingRunOptions): tf.Tensor[] {
  const values = new Map<number, tf.Tensor>([[model.inputs[0]!.id, x]]);
  const plan = planOf(model);
  const folds = !training && options.foldBatchNorm === true ? foldsOf(model, plan) : new Map<number, Fold>();
  const skipped = new Set([...folds.values()].flatMap((f) => (f.relu === undefined ? [f.batchNorm] : [f.batchNorm, f.relu])));
  // Every folded batch norm's scale and shift at once (a few kernels instead of a few per layer).
  const scaleShifts = batchNormScaleShifts([...folds.values()].map((f) => plan[f.batchNorm]!.node.outboundLayer));
  const scaleShiftOf = new Map([...folds.keys()].map((index, i) => [index, scaleShifts[i]!]));
  const runCall = ({ node, frees }: PlannedCall, index: number): void => {
    const inputs = node.inputTensors.map((t) => values.get(t.id)!);
    const foldInfo = folds.get(index);
    if (foldInfo !== undefined) {
      // This convolution and the batch norm after it (and its ReLU), at once: their calls are skipped.
      const fold = foldConvBatchNorm(node.outboundLayer, plan[foldInfo.batchNorm]!.node.outboundLayer, foldInfo.relu !== undefined, scaleShiftOf.get(index))!;
      const last = plan[foldInfo.relu ?? foldInfo.batchNorm]!.node;
      values.set(last.outputTensors[0]!.id, fold(inputs[0] as tf.Tensor4D));
    } else if (!skipped.has(index)) {
      const kwargs = { ...(node.callArgs ?? {}), training };
      const out = tf.tidy(() => node.outboundLayer.apply(inputs.length === 1 ? inputs[0]! : inputs, kwargs));
      const outs = Array.isArray(out) ? out : [out];
      node.outputTensors.forEach((t, i) => values.set(t.id, outs[i]!));
    }
    for (const id of frees) {
      const t = values.get(id);
      // A folded convolution's output never existed.
      if (t === undefined) continue;
      values.delete(id);
      // A layer may hand its input on as its output (one tensor, two graph tensors).
      if ([...values.values()].includes(t)) continue;
      t.dispose();
      // Under a gradient, a batch norm's output (or its ReLU) is rebuilt in the backward pass instead of kept.
      if (training) dropRebuildable(t);
    }
  };
  try {
    plan.forEach(runCall);
  } finally {
    tf.dispose(scaleShifts as unknown as tf.TensorContainer);
  }
  return model.outputs.map((t) => values.get(t.id)!);
}
