/**
 * Rebuilding a backbone from a saved tfjs-layers model.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type Backbone, type BackboneConfig, CheckpointError, errorMessage, LayersBackbone } from '@rfm/core';
import { registerModelLayers } from './register-layers.js';
import { CLASSIFIER_LAYER } from './xception.js';

/**
 * Wraps a layers model with outputs `[featureMap, logits]` (for example one returned by
 * `tfl.loadLayersModel`) as a backbone with the given config. Every backbone of this package (and
 * core's `small`) names its logits layer `classifier`.
 *
 * @param model - the model; the backbone takes ownership
 * @param config - the config saved beside the weights
 * @param classifierLayer - name of the logits layer
 * @default classifierLayer 'classifier'
 */
export function backboneFromModel(model: tfl.LayersModel, config: BackboneConfig, classifierLayer: string = CLASSIFIER_LAYER): Backbone {
  return new LayersBackbone(model, config, classifierLayer);
}

/**
 * Loads a saved backbone: registers the custom layers, calls `tfl.loadLayersModel`, and wraps the
 * result with {@link backboneFromModel}.
 *
 * @param source - a URL/path understood by tfjs or an IO handler (e.g. `tf.io.fromMemory(artifacts)`)
 * @param config - the config saved beside the weights
 * @throws `CheckpointError` when the model cannot be loaded (the tfjs error is the `cause`)
 * @example
 * ```ts
 * let saved: tf.io.ModelArtifacts | undefined;
 * await backbone.model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
 * const copy = await loadBackboneFrom(tf.io.fromMemory(saved!), backbone.config);
 * ```
 */
export async function loadBackboneFrom(source: string | tf.io.IOHandler, config: BackboneConfig): Promise<Backbone> {
  registerModelLayers();
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(source);
  } catch (e) {
    throw new CheckpointError(`Cannot load the "${config.name}" backbone: ${errorMessage(e)}`, { cause: e });
  }
  return backboneFromModel(model, config);
}
