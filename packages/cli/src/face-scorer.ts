/**
 * Scoring aligned face crops with a trained run's model, preprocessed exactly as `rfm eval` does
 * (resize to the run's size, centre crop, the run's normalisation).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { scoreBatch, type Backbone } from '@rfm/core';
import { centerParams, normalizationTable, resizeImage, resolveTransformOptions, writeTransformed, type ResolvedTransformOptions } from '@rfm/data';
import type { AlignedFace, CropScorer } from '@rfm/faces';
import type { RunModel } from './run-model.js';
import { resizeForCrop } from './train-config.js';

/**
 * The transforms a run evaluates with.
 *
 * @param run - a loaded run
 */
export function runTransform(run: RunModel): ResolvedTransformOptions {
  const inputSize = run.backbone.config.inputSize;
  return resolveTransformOptions({ resize: run.config?.resize ?? resizeForCrop(inputSize), crop: inputSize });
}

/**
 * The normalised model inputs of aligned crops.
 *
 * @param crops - aligned faces
 * @param t - the run's transforms ({@link runTransform})
 */
export function cropsToInputs(crops: readonly AlignedFace[], t: ResolvedTransformOptions): tf.Tensor4D {
  const [H, W] = t.resize;
  const [h, w] = t.crop;
  const lut = normalizationTable(t.normalization);
  const params = centerParams(t);
  const buffer = new Float32Array(crops.length * h * w * 3);
  crops.forEach((c, i) => writeTransformed(resizeImage(c.crop, H, W), params, t, lut, buffer, i * h * w * 3));
  return tf.tensor4d(buffer, [crops.length, h, w, 3], 'float32');
}

/**
 * A {@link CropScorer} over a trained backbone (inference mode): P(fake) and logit gap per crop.
 *
 * @param backbone - the run's model
 * @param t - the run's transforms ({@link runTransform})
 */
export function createBackboneScorer(backbone: Backbone, t: ResolvedTransformOptions): CropScorer {
  return async (crops) => {
    const inputs = cropsToInputs(crops, t);
    const [p, g] = scoreBatch(backbone, inputs);
    const [scores, gaps] = await Promise.all([p.data(), g.data()]);
    tf.dispose([inputs, p, g]);
    return crops.map((_, i) => ({ score: scores[i]!, logitGap: gaps[i]! }));
  };
}
