/**
 * Custom tfjs-layers layers of `@rfm/core` and their registration.
 *
 * @packageDocumentation
 */
export {
  BATCH_NORM_KINDS,
  createBatchNormLayer,
  isBatchNormLayer,
  requireBatchNormKind,
  RfmBatchNormalization,
} from './fused-batch-normalization.js';
export type { BatchNormKind, BatchNormLayerArgs, RfmBatchNormalizationArgs } from './fused-batch-normalization.js';
export { isPlainConv2D, useLazyConvGradients } from './lazy-conv-gradients.js';
export { batchNormScaleShifts, canFoldConvBatchNorm, foldConvBatchNorm, isReluLayer, type ScaleShift } from './batch-norm-folding.js';
export { deferMovingAverageUpdates, updateMovingAverage } from './moving-average-updates.js';
export type { MovingStatistic } from './moving-average-updates.js';
export { CORE_LAYER_CLASSES, registerCoreLayers } from './register-core-layers.js';
