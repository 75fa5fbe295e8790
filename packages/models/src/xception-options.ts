/**
 * Options of the Xception backbone.
 *
 * @packageDocumentation
 */
import { type BatchNormKind, definedOptions, requireBatchNormKind } from '@rfm/core';
import {
  type InitScheme,
  type PoolPadding,
  rejectUnknownOptions,
  requireInitScheme,
  requireInteger,
  requirePoolPadding,
  requireWidthMultiplier,
} from './option-checks.js';

/** Options shared by every network built from the Xception trunk (Xception itself and Patch). */
export interface XceptionTrunkOptions {
  /**
   * Scales every channel count: `max(1, round(c · widthMultiplier))`. 0.25 gives 1,350,740
   * trainable parameters for Xception (a CPU-sized network). @default 1
   */
  readonly widthMultiplier?: number;
  /**
   * Padding of the 3x3/2 max pools: `symmetric` = PyTorch's pad 1 (needed to reuse PyTorch
   * weights), `same` = TensorFlow's (pads 0/1 on even inputs; fine when training from scratch).
   * @default 'symmetric'
   */
  readonly poolPadding?: PoolPadding;
  /** `pytorch` = PyTorch's default initialisation (RFM trains from it); `keras` = glorot-uniform. @default 'pytorch' */
  readonly init?: InitScheme;
  /**
   * Batch-norm layers: `fused` = core's `RfmBatchNormalization` (training mode as one kernel per
   * pass on `tensorflow` and `wasm`), `layers` = tfjs-layers' `BatchNormalization`. Same weights,
   * weight names and results within float32 rounding; `layers` saves a model that plain
   * TensorFlow.js loads without registering rfm.js classes (with `poolPadding: 'same'`).
   * @default 'fused'
   */
  readonly batchNorm?: BatchNormKind;
}

/** Options of {@link createXception}; every field is optional. */
export interface XceptionOptions extends XceptionTrunkOptions {
  /** Square input side in pixels; any integer >= 71 (224 → 7x7 final grid, 299 → 10x10). @default 224 */
  readonly inputSize?: number;
  /** Number of classes of the dense head. @default 2 */
  readonly numClasses?: number;
  /** Number of 728-channel middle-flow blocks. @default 8 */
  readonly middleBlocks?: number;
}

/** Resolved Xception options. */
export type ResolvedXceptionOptions = Required<XceptionOptions>;

/** Defaults of {@link XceptionOptions}: the network RFM trains (Cadene's Xception, 2 classes, 224 px). */
export const XCEPTION_DEFAULTS: ResolvedXceptionOptions = {
  inputSize: 224,
  numClasses: 2,
  widthMultiplier: 1,
  middleBlocks: 8,
  poolPadding: 'symmetric',
  init: 'pytorch',
  batchNorm: 'fused',
};

/** Smallest accepted Xception input side (Keras' `min_size`). */
export const XCEPTION_MIN_INPUT_SIZE = 71;

/**
 * Fills in the defaults and validates every field.
 *
 * @param options - user options (unknown keys are rejected)
 * @throws `InvalidOptionError` naming the field, the bad value and what is accepted
 */
export function resolveXceptionOptions(options: XceptionOptions = {}): ResolvedXceptionOptions {
  rejectUnknownOptions(options, Object.keys(XCEPTION_DEFAULTS), 'xception');
  const o = { ...XCEPTION_DEFAULTS, ...definedOptions(options) };
  requireInteger('xception.inputSize', o.inputSize, XCEPTION_MIN_INPUT_SIZE);
  requireInteger('xception.numClasses', o.numClasses, 2);
  requireWidthMultiplier('xception.widthMultiplier', o.widthMultiplier);
  requireInteger('xception.middleBlocks', o.middleBlocks, 0);
  requirePoolPadding('xception.poolPadding', o.poolPadding);
  requireInitScheme('xception.init', o.init);
  requireBatchNormKind('xception.batchNorm', o.batchNorm);
  return o;
}
