/**
 * Registration of the package's custom layers with tfjs serialisation.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { RfmBatchNormalization } from '@rfm/core';
import { SymmetricMaxPooling2D } from './symmetric-max-pool.js';

/** Custom layer classes the backbones of `@rfm/models` use (core's batch norm included), in registration order. */
export const MODEL_LAYER_CLASSES = [SymmetricMaxPooling2D, RfmBatchNormalization] as const;

let registered = false;

/**
 * Registers every custom layer the backbones use (`RfmSymmetricMaxPooling2D`, and core's
 * `RfmBatchNormalization`) with
 * `tf.serialization.registerClass`, so `tfl.loadLayersModel` can rebuild saved models. Idempotent;
 * importing `@rfm/models` calls it, so core's one loader `loadBackbone` rebuilds every backbone of
 * this package once the package is imported.
 *
 * @example
 * ```ts
 * registerModelLayers();
 * const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
 * ```
 */
export function registerModelLayers(): void {
  if (registered) return;
  for (const cls of MODEL_LAYER_CLASSES) tf.serialization.registerClass(cls);
  registered = true;
}

// Importing the package makes its saved models loadable by core's loadBackbone.
registerModelLayers();
