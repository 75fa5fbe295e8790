/**
 * The backbone contract: what the trainer, the attention maps and every erasing plugin may ask of a
 * detector network, whatever its architecture.
 *
 * Labels follow the RFM convention: class 0 = real, class 1 = fake, so `O_fake = logits[..., 1]`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { releaseDuringBackward } from './backward-release.js';

/** `image`: logits `[B, C]`; `patch`: logits `[B, h, w, C]`, one prediction per receptive field. */
export type OutputKind = 'image' | 'patch';

/**
 * How a patch model turns per-patch logits into one image score (Chai et al., ECCV 2020):
 * `after-softmax` = mean over patches of softmax P(fake) (the paper's default);
 * `before-softmax` = softmax of the mean logits; `vote` = fraction of patches whose argmax is fake.
 */
export type PatchScore = 'after-softmax' | 'before-softmax' | 'vote';

/** JSON description of a backbone, stored beside saved weights so a model can be rebuilt. */
export interface BackboneConfig {
  /** Registry name, e.g. `small`, `xception`, `patch`. */
  readonly name: string;
  /** Square input side in pixels. */
  readonly inputSize: number;
  /** Number of classes (2 for real/fake). */
  readonly numClasses: number;
  /** Output granularity. */
  readonly outputKind: OutputKind;
  /** Patch score aggregation (patch models only). */
  readonly patchScore?: PatchScore;
  /** Architecture options as given to the factory (JSON). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** One forward pass: the classifier's input feature map and the logits. */
export interface BackboneOutput {
  /** `[B, h, w, K]`: for image models the (activated) map that global pooling averages; for patch models the map the 1x1 head reads. */
  readonly featureMap: tf.Tensor4D;
  /** `[B, C]` (image) or `[B, h, w, C]` (patch). */
  readonly logits: tf.Tensor;
}

/** The classifier that reads the feature map: `logits = featureMap · kernel + bias` per position. */
export interface ClassifierWeights {
  /** `[K, C]`; a new tensor handle owned by the caller (it shares storage with the weights). */
  readonly kernel: tf.Tensor2D;
  /** `[C]` or null; a new tensor handle owned by the caller. */
  readonly bias: tf.Tensor1D | null;
}

/** Trainable and total (including batch-norm moving statistics) parameter counts. */
export interface ParamCounts {
  /** Parameters updated by the optimizer. */
  readonly trainable: number;
  /** All weights, including non-trainable ones. */
  readonly total: number;
}

/**
 * A detector network. The trainer alone chooses training or inference mode; plugins receive a
 * {@link ModelHandle}, which only runs inference mode.
 */
export interface Backbone {
  /** How to rebuild this backbone. */
  readonly config: BackboneConfig;
  /** The underlying tfjs-layers model, with outputs `[featureMap, logits]`. */
  readonly model: LayersModel;
  /**
   * Forward pass. `training = true` uses batch statistics in batch normalisation and updates the
   * moving statistics; `false` uses the moving statistics, so each image is independent of the batch.
   */
  apply(x: tf.Tensor4D, training: boolean): BackboneOutput;
  /** The classifier weights (the dense head, or the 1x1 convolution of a patch model). */
  classifier(): ClassifierWeights;
  /** Trainable weights, in a stable order. */
  trainableWeights(): tf.Variable[];
  /** Parameter counts. */
  countParams(): ParamCounts;
  /** Releases every weight. */
  dispose(): void;
}

/**
 * Inference-mode view of a backbone given to augmentation plugins and attention maps.
 * It cannot switch to training mode or touch the weights.
 */
export interface ModelHandle {
  /** Square input side in pixels. */
  readonly inputSize: number;
  /** Output granularity. */
  readonly outputKind: OutputKind;
  /** Number of classes. */
  readonly numClasses: number;
  /** Inference-mode forward pass (batch norm on moving statistics). */
  forward(x: tf.Tensor4D): BackboneOutput;
  /**
   * Gradient of `sum(objective(forward(x)))` with respect to the input only (no weight gradients),
   * in inference mode. The objective returns one value per image, `[B]`.
   */
  inputGradient(x: tf.Tensor4D, objective: (out: BackboneOutput) => tf.Tensor): tf.Tensor4D;
  /** The classifier weights (for CAM); new tensors owned by the caller (use inside `tf.tidy`). */
  classifier(): ClassifierWeights;
}

/** Options of {@link createModelHandle}. */
export interface ModelHandleOptions {
  /** Output granularity of the wrapped network. */
  readonly outputKind: OutputKind;
  /** Square input side. */
  readonly inputSize: number;
  /** Number of classes. */
  readonly numClasses: number;
  /**
   * Most images per input-gradient pass: larger inputs are split into consecutive chunks (exact in
   * inference mode, where images are independent), which bounds the memory of a FAM pass.
   * @default no limit
   */
  readonly maxBatch?: number;
}

/**
 * Wraps any inference-mode forward function as a {@link ModelHandle}: used by the trainer for
 * backbones, and by tests for hand-written networks.
 *
 * @param forward - inference-mode forward pass
 * @param classifier - classifier weights for CAM
 * @param options - shape facts about the network
 */
export function createModelHandle(
  forward: (x: tf.Tensor4D) => BackboneOutput,
  classifier: () => ClassifierWeights,
  options: ModelHandleOptions,
): ModelHandle {
  return {
    inputSize: options.inputSize,
    outputKind: options.outputKind,
    numClasses: options.numClasses,
    forward,
    classifier,
    inputGradient(x, objective) {
      const gradientOf = (input: tf.Tensor4D): tf.Tensor4D =>
        tf.tidy(() => tf.grad((t: tf.Tensor) => releaseDuringBackward(tf.sum(objective(forward(t as tf.Tensor4D)))))(input) as tf.Tensor4D);
      const chunk = options.maxBatch ?? Number.POSITIVE_INFINITY;
      const batch = x.shape[0];
      if (batch <= chunk) return gradientOf(x);
      const parts: tf.Tensor4D[] = [];
      try {
        for (let start = 0; start < batch; start += chunk) {
          const size = Math.min(chunk, batch - start);
          parts.push(tf.tidy(() => gradientOf(tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]))));
        }
        return tf.concat(parts, 0);
      } finally {
        tf.dispose(parts);
      }
    },
  };
}

/**
 * The inference-mode {@link ModelHandle} of a backbone.
 *
 * @param backbone - the network
 * @param maxBatch - most images per input-gradient pass (see {@link ModelHandleOptions.maxBatch})
 */
export function inferenceHandle(backbone: Backbone, maxBatch?: number): ModelHandle {
  return createModelHandle((x) => backbone.apply(x, false), () => backbone.classifier(), { ...backbone.config, maxBatch });
}

/**
 * Per-image logit gap `O_fake - O_real`, `[B]`. Patch logits are averaged over patches first
 * (`reduction: 'mean'`, the default) or summed (`'sum'`, what the official `cal_fam` computes);
 * the attention ranking is the same either way.
 *
 * @param logits - `[B, C]` or `[B, h, w, C]`
 * @param reduction - how patches are pooled
 */
export function logitGap(logits: tf.Tensor, reduction: 'mean' | 'sum' = 'mean'): tf.Tensor1D {
  return tf.tidy(() => {
    const c = logits.shape[logits.rank - 1]!;
    const flat = tf.reshape(logits, [logits.shape[0]!, -1, c]);
    const gap = tf.squeeze(tf.sub(tf.slice(flat, [0, 0, 1], [-1, -1, 1]), tf.slice(flat, [0, 0, 0], [-1, -1, 1])), [2]);
    return (reduction === 'mean' ? tf.mean(gap, 1) : tf.sum(gap, 1)) as tf.Tensor1D;
  });
}

/**
 * Per-image probability of the fake class, `[B]`.
 *
 * @param logits - `[B, C]` or `[B, h, w, C]`
 * @param patchScore - aggregation for patch logits
 */
export function fakeProbability(logits: tf.Tensor, patchScore: PatchScore = 'after-softmax'): tf.Tensor1D {
  return tf.tidy(() => {
    const c = logits.shape[logits.rank - 1]!;
    const flat = tf.reshape(logits, [logits.shape[0]!, -1, c]) as tf.Tensor3D;
    switch (patchScore) {
      case 'before-softmax':
        return tf.squeeze(tf.slice(tf.softmax(tf.mean(flat, 1)), [0, 1], [-1, 1]), [1]) as tf.Tensor1D;
      case 'vote':
        return tf.mean(tf.cast(tf.equal(tf.argMax(flat, 2), 1), 'float32'), 1) as tf.Tensor1D;
      case 'after-softmax':
      default:
        return tf.mean(tf.slice(tf.softmax(flat), [0, 0, 1], [-1, -1, 1]), [1, 2]) as tf.Tensor1D;
    }
  });
}

/**
 * Mean softmax cross-entropy. Patch logits get the image label broadcast to every patch and the
 * mean is over images and patches (patch-forensics' loss).
 *
 * @param logits - `[B, C]` or `[B, h, w, C]`
 * @param labels - `[B]` integer classes
 */
export function classificationLoss(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const c = logits.shape[logits.rank - 1]!;
    const b = logits.shape[0]!;
    const flat = tf.reshape(logits, [b, -1, c]) as tf.Tensor3D;
    const positions = flat.shape[1];
    const onehot = tf.tile(tf.reshape(tf.oneHot(tf.cast(labels, 'int32'), c), [b, 1, c]), [1, positions, 1]);
    const logp = tf.logSoftmax(flat);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 2))) as tf.Scalar;
  });
}

/**
 * Flooding (Ishida et al., ICML 2020): `|L - b| + b`. Below `b` the gradient ascends.
 *
 * @param loss - the batch-mean loss
 * @param level - the flood level b (RFM: 0.04); 0 disables flooding
 */
export function floodLoss(loss: tf.Scalar, level: number): tf.Scalar {
  if (level <= 0) return loss;
  return tf.tidy(() => tf.add(tf.abs(tf.sub(loss, level)), level) as tf.Scalar);
}
