/**
 * A one-object summary of a backbone, for the CLI's `info` command.
 *
 * @packageDocumentation
 */
import { type Backbone, countForwardMultiplyAdds, type OutputKind } from '@rfm/core';

/** What {@link describeBackbone} reports. Shapes are per image (the batch dimension is dropped). */
export interface BackboneDescription {
  /** Registry name. */
  readonly name: string;
  /** Square input side. */
  readonly inputSize: number;
  /** `image` or `patch`. */
  readonly outputKind: OutputKind;
  /** Parameters the optimizer updates. */
  readonly trainableParams: number;
  /** All weights, batch-norm moving statistics included. */
  readonly totalParams: number;
  /** Logits per image: `[numClasses]` or `[h, w, numClasses]`. */
  readonly outputShape: number[];
  /** Feature map per image, `[h, w, K]`. */
  readonly featureShape: number[];
  /** Multiply-adds of one image's forward pass (convolutions and dense layers; `countForwardMultiplyAdds`). */
  readonly multiplyAdds: number;
}

/**
 * Summarises a backbone without running it (shapes come from the layers graph).
 *
 * @param backbone - any backbone with a `[featureMap, logits]` layers model
 * @example
 * ```ts
 * describeBackbone(createBackbone('xception', {}, createRng(1)));
 * // { name: 'xception', inputSize: 224, outputKind: 'image', trainableParams: 20811050,
 * //   totalParams: 20865578, outputShape: [2], featureShape: [7, 7, 2048], multiplyAdds: 4550835168 }
 * ```
 */
export function describeBackbone(backbone: Backbone): BackboneDescription {
  const perImage = (shape: readonly (number | null)[]): number[] => shape.slice(1).map((d) => d ?? -1);
  const [features, logits] = backbone.model.outputs;
  const { trainable, total } = backbone.countParams();
  return {
    name: backbone.config.name,
    inputSize: backbone.config.inputSize,
    outputKind: backbone.config.outputKind,
    trainableParams: trainable,
    totalParams: total,
    outputShape: perImage(logits!.shape),
    featureShape: perImage(features!.shape),
    multiplyAdds: countForwardMultiplyAdds(backbone.model),
  };
}
