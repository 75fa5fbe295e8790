/**
 * Wrapping a tfjs-layers model as a backbone. Saved backbones load with `loadBackbone` from
 * `@rfm/core` (the one loader; importing this package registers its layers).
 *
 * @packageDocumentation
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { type Backbone, type BackboneConfig, LayersBackbone } from '@rfm/core';
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
