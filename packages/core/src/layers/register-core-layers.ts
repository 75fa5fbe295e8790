/**
 * Registration of core's custom layers with tfjs serialisation.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { RfmBatchNormalization } from './fused-batch-normalization.js';

/** Custom layer classes of `@rfm/core`, in registration order. */
export const CORE_LAYER_CLASSES = [RfmBatchNormalization] as const;

/**
 * Registers core's custom layers (`RfmBatchNormalization`) with `tf.serialization.registerClass`,
 * so `tfl.loadLayersModel` can rebuild saved models that use them. Idempotent; `createSmallBackbone`
 * and `loadBackbone` call it, `registerModelLayers()` from `@rfm/models` too.
 *
 * @example
 * ```ts
 * registerCoreLayers();
 * const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
 * ```
 */
export function registerCoreLayers(): void {
  for (const cls of CORE_LAYER_CLASSES) tf.serialization.registerClass(cls);
}
