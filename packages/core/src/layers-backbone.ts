/**
 * A {@link Backbone} over a tfjs-layers model whose outputs are `[featureMap, logits]`.
 * Every built-in backbone (small, Xception, Patch) is one of these.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Backbone, BackboneConfig, BackboneOutput, ClassifierWeights, ParamCounts } from './backbone.js';
import { ShapeMismatchError } from './errors.js';
import { applyFreeingIntermediates } from './layers-freeing-run.js';
import { useLazyConvGradients } from './layers/lazy-conv-gradients.js';

/**
 * Wraps a two-output layers model as a {@link Backbone}. Its bias-free linear `Conv2D` layers compute
 * their input gradient only on demand (see `useLazyConvGradients`).
 */
export class LayersBackbone implements Backbone {
  /**
   * @param model - model with outputs `[featureMap, logits]`
   * @param config - how to rebuild it
   * @param classifierLayer - name of the dense (or 1x1 conv) layer producing the logits (kept for saving)
   */
  constructor(
    readonly model: LayersModel,
    readonly config: BackboneConfig,
    readonly classifierLayer: string,
  ) {
    if (model.outputs.length !== 2) {
      throw new ShapeMismatchError(
        `LayersBackbone "${config.name}" needs a model with outputs [featureMap, logits], got ${model.outputs.length} output(s).`,
      );
    }
    // The first convolution's image gradient is then computed only when asked for (FAM), not in every step.
    useLazyConvGradients(model);
  }

  apply(x: tf.Tensor4D, training: boolean): BackboneOutput {
    if (x.shape[1] !== this.config.inputSize || x.shape[2] !== this.config.inputSize || x.shape[3] !== 3) {
      throw new ShapeMismatchError(
        `Backbone "${this.config.name}" expects [B, ${this.config.inputSize}, ${this.config.inputSize}, 3] inputs, got [${x.shape.join(', ')}]; resize or crop the images to the backbone's inputSize.`,
      );
    }
    // Each intermediate is freed after its last reader (what a backward pass needs, the engine has
    // saved), so a forward pass under a gradient ends holding only that. In inference mode (FAM,
    // CAM, prediction) each batch norm is folded into the convolution before it.
    const [featureMap, logits] = tf.tidy(() => applyFreeingIntermediates(this.model, x, training, { foldBatchNorm: !training }));
    return { featureMap: featureMap as tf.Tensor4D, logits: logits! };
  }

  classifier(): ClassifierWeights {
    const layer = this.model.getLayer(this.classifierLayer);
    const [kernel, bias] = layer.getWeights(false) as tf.Tensor[];
    const k = kernel!.shape[kernel!.rank - 1]!;
    // Reshape (a 1x1 conv kernel) and clone share storage with the weights; both are new tensor
    // handles, so the caller owns every returned tensor whatever the head.
    return {
      kernel: tf.reshape(kernel!, [-1, k]) as tf.Tensor2D,
      bias: bias ? (tf.clone(bias) as tf.Tensor1D) : null,
    };
  }

  trainableWeights(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  countParams(): ParamCounts {
    const size = (shape: readonly (number | null)[]): number => shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const trainable = this.model.trainableWeights.reduce((s, w) => s + size(w.shape), 0);
    const total = this.model.weights.reduce((s, w) => s + size(w.shape), 0);
    return { trainable, total };
  }

  dispose(): void {
    this.model.dispose();
  }
}
