/**
 * `RfmBatchNormalization`: tfjs-layers' `BatchNormalization` for NHWC inputs whose training mode
 * runs {@link batchNormTraining} (one fused kernel each way on `tensorflow` and `wasm`), with the
 * same weights, configuration and results as the stock layer.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { requireOption, ShapeMismatchError } from '../errors.js';
import { batchNormInference } from '../ops/batch-norm-inference.js';
import { batchNormTraining } from '../ops/batch-norm-training.js';
import { updateMovingAverage } from './moving-average-updates.js';

/** Base arguments of a tfjs-layers layer (name, trainable, dtype...). */
type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Which batch-norm layer a backbone builds: {@link RfmBatchNormalization} or tfjs-layers' own. */
export type BatchNormKind = 'fused' | 'layers';

/** Accepted values of {@link BatchNormKind}. */
export const BATCH_NORM_KINDS: readonly BatchNormKind[] = ['fused', 'layers'];

/** Arguments of {@link RfmBatchNormalization}: the subset of tfjs-layers' `BatchNormalizationLayerArgs` it supports. */
export interface RfmBatchNormalizationArgs extends BaseLayerArgs {
  /** Channel axis; only the last axis of an NHWC input (-1 or 3). @default -1 */
  readonly axis?: number;
  /** Moving statistics: `moving ← moving − (moving − batch)·(1 − momentum)`. @default 0.99 */
  readonly momentum?: number;
  /** Added to the variance before the square root. @default 1e-3 */
  readonly epsilon?: number;
  /** Learn an offset `beta` (initialised to 0). @default true */
  readonly center?: boolean;
  /** Learn a scale `gamma` (initialised to 1). @default true */
  readonly scale?: boolean;
}

/**
 * Batch normalisation over the channels of NHWC inputs, a drop-in for
 * `tfl.layers.batchNormalization({ axis: -1, momentum, epsilon })`:
 * - the same weights in the same order (`gamma`, `beta` trainable; `moving_mean`,
 *   `moving_variance` not), initialised to 1, 0, 0, 1, and the same defaults;
 * - training mode (`training: true`) normalises with the batch mean and biased variance through
 *   {@link batchNormTraining} (fully differentiated) and updates the moving statistics exactly as
 *   tfjs-layers does: `moving ← moving − (moving − batch)·(1 − momentum)`;
 * - inference mode uses the moving statistics (`tf.batchNorm`).
 *
 * On a backend without the fused kernel (`cpu`) it runs the same ops as the stock layer. Saved
 * models refer to it by `className` `RfmBatchNormalization`: call `registerCoreLayers()` (or
 * `registerModelLayers()` from `@rfm/models`) before `tfl.loadLayersModel`.
 *
 * @example
 * ```ts
 * const bn = new RfmBatchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn1' });
 * const y = bn.apply(x, { training: true }) as tf.Tensor4D; // x: [N, H, W, C]
 * ```
 */
export class RfmBatchNormalization extends tfl.layers.Layer {
  /** Name under which the class is serialised. */
  static className = 'RfmBatchNormalization';
  /** Momentum of the moving statistics. */
  readonly momentum: number;
  /** Added to the variance. */
  readonly epsilon: number;
  /** Whether `beta` exists. */
  readonly center: boolean;
  /** Whether `gamma` exists. */
  readonly scale: boolean;
  /** Scale `[C]` (null when `scale` is false or before `build`). */
  gamma: tfl.LayerVariable | null = null;
  /** Offset `[C]` (null when `center` is false or before `build`). */
  beta: tfl.LayerVariable | null = null;
  /** Moving mean `[C]` (set by `build`). */
  movingMean!: tfl.LayerVariable;
  /** Moving (biased) variance `[C]` (set by `build`). */
  movingVariance!: tfl.LayerVariable;

  /** @param args - momentum, epsilon, center, scale and the usual layer arguments */
  constructor(args: RfmBatchNormalizationArgs = {}) {
    const { axis = -1, momentum = 0.99, epsilon = 1e-3, center = true, scale = true, ...base } = args;
    super(base);
    requireOption(axis === -1 || axis === 3, 'axis', axis, '-1 or 3 (the channel axis of NHWC inputs); use tfl.layers.batchNormalization for other axes');
    requireOption(typeof momentum === 'number' && momentum >= 0 && momentum <= 1, 'momentum', momentum, 'a number in [0, 1]');
    requireOption(typeof epsilon === 'number' && epsilon > 0 && Number.isFinite(epsilon), 'epsilon', epsilon, 'a finite number > 0');
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) {
      throw new ShapeMismatchError(
        `RfmBatchNormalization "${this.name}" needs NHWC inputs [N, H, W, C] with a known C, got [${shape.map((d) => d ?? 'null').join(', ')}]; use tfl.layers.batchNormalization for other ranks.`,
      );
    }
    this.inputSpec = [new tfl.InputSpec({ ndim: 4, axes: { 3: channels } })];
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones(), undefined, true);
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tfl.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const gamma = (this.gamma?.read() ?? null) as tf.Tensor1D | null;
      const beta = (this.beta?.read() ?? null) as tf.Tensor1D | null;
      if (!kwargs['training']) {
        const mean = this.movingMean.read() as tf.Tensor1D;
        const variance = this.movingVariance.read() as tf.Tensor1D;
        // A per-channel affine map: one full-size kernel in its input gradient (the FAM pass).
        return batchNormInference(x, mean, variance, beta, gamma, this.epsilon);
      }
      // The statistics only feed the moving averages: no gradient flows back through them.
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon, { statisticsGradient: false });
      // tfjs-layers' update, in its own order of operations (bit-identical moving statistics); at
      // once, or with every other layer's at the end of the forward pass (deferMovingAverageUpdates).
      const decay = 1 - this.momentum;
      updateMovingAverage(this.movingMean, mean, decay);
      updateMovingAverage(this.movingVariance, variance, decay);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

/** Arguments of {@link createBatchNormLayer}: momentum, epsilon and name. */
export interface BatchNormLayerArgs {
  /** Moving-statistics momentum (tfjs convention: PyTorch's 0.1 is 0.9). */
  readonly momentum: number;
  /** Added to the variance. */
  readonly epsilon: number;
  /** Layer name. */
  readonly name?: string;
}

/**
 * A channel-last batch-norm layer of the given kind: {@link RfmBatchNormalization} (`'fused'`) or
 * `tfl.layers.batchNormalization` (`'layers'`). Both have the same weights, names and results
 * within float32 rounding.
 *
 * @param kind - `'fused'` or `'layers'`
 * @param args - momentum, epsilon, name
 * @throws `InvalidOptionError` for an unknown kind
 * @example
 * ```ts
 * const bn = createBatchNormLayer('fused', { momentum: 0.9, epsilon: 1e-5, name: 'bn1' });
 * ```
 */
export function createBatchNormLayer(kind: BatchNormKind, args: BatchNormLayerArgs): tfl.layers.Layer {
  requireBatchNormKind('batchNorm', kind);
  const config = { axis: -1, momentum: args.momentum, epsilon: args.epsilon, ...(args.name === undefined ? {} : { name: args.name }) };
  return kind === 'fused' ? new RfmBatchNormalization(config) : tfl.layers.batchNormalization(config);
}

/**
 * Validates a `batchNorm` option.
 *
 * @param option - option name for the error message
 * @param value - the value to check
 * @throws `InvalidOptionError` unless it is `'fused'` or `'layers'`
 */
export function requireBatchNormKind(option: string, value: unknown): asserts value is BatchNormKind {
  requireOption(
    BATCH_NORM_KINDS.includes(value as BatchNormKind),
    option,
    value,
    `'fused' (RfmBatchNormalization: one fused kernel per pass on tensorflow and wasm) or 'layers' (tfjs-layers' BatchNormalization)`,
  );
}

/**
 * True for a batch-norm layer of either kind ({@link RfmBatchNormalization} or tfjs-layers'
 * `BatchNormalization`).
 *
 * @param layer - any layer
 */
export function isBatchNormLayer(layer: tfl.layers.Layer): boolean {
  const name = layer.getClassName();
  return name === RfmBatchNormalization.className || name === 'BatchNormalization';
}
