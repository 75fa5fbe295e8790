/**
 * Grad-CAM (Selvaraju et al., ICCV 2017) and Grad-CAM++ (Chattopadhyay et al., WACV 2018):
 * class activation maps weighted by gradients of the class score with respect to the feature map.
 *
 * A {@link ModelHandle} only differentiates with respect to its input, so the gradient with
 * respect to the feature map is taken through the classifier head rebuilt from
 * `model.classifier()`: `logits = GAP(featureMap) · kernel + bias` for image models and
 * `logits = featureMap · kernel + bias` per position for patch models (true of every built-in
 * backbone; dropout is the identity in inference mode). The rebuilt head is checked against the
 * logits of the forward pass, and a {@link HeadMismatchError} is thrown when it does not
 * reproduce them. Pass `head` to explain a model with another head.
 *
 * With a linear head the gradient is the same at every position, so Grad-CAM equals
 * `ReLU(CAM) / (h·w)`: a known identity, and the reason Grad-CAM adds nothing over CAM there.
 *
 * On a backend with a graph compiler (native TensorFlow) the forward pass runs as one compiled
 * graph once it has repeated for the same model and batch shape (core's `compiledForwardOutputs`),
 * as CAM's does; the head's gradient stays eager.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { compiledForwardOutputs, type ModelHandle } from '@rfm/core';
import { camSelector, checkKernel, finishMaps, HeadMismatchError, linearHead, selectedScore } from './cam-utils.js';
import type { ClassActivationMapOptions } from './cam.js';

/** Options of {@link gradCam} and {@link gradCamPlusPlus}. */
export interface GradCamOptions extends ClassActivationMapOptions {
  /**
   * The classifier head as a differentiable function of the feature map, returning logits of the
   * same shape as `model.forward(x).logits`. Default: the linear head rebuilt from `model.classifier()`.
   */
  readonly head?: (featureMap: tf.Tensor4D) => tf.Tensor;
  /**
   * Relative tolerance of the check that `head(featureMap)` reproduces the forward pass's logits:
   * `max |head - logits| <= headTolerance · (1 + max |logits|)`. @default 1e-3
   */
  readonly headTolerance?: number;
}

/**
 * Grad-CAM maps of a batch: `ReLU(Σ_k α_k f_k)` with `α_k` the spatial mean of
 * `∂score/∂f_k`. The score is the selected class logit (patch logits averaged over patches).
 *
 * @param model - inference-mode model
 * @param images - normalised `[B, H, W, 3]` batch (not disposed)
 * @param options - class, head, upsampling and normalisation
 * @returns `[B, H, W]` (or `[B, h, w]` without upsampling) float32, owned by the caller
 * @throws {@link HeadMismatchError} when the head does not reproduce the model's logits
 * @throws InvalidOptionError for a bad target or missing labels
 * @see https://arxiv.org/abs/1610.02391
 * @example
 * ```ts
 * const maps = gradCam(inferenceHandle(backbone), images, { target: 'fake' });
 * maps.dispose();
 * ```
 */
export function gradCam(model: ModelHandle, images: tf.Tensor4D, options: GradCamOptions = {}): tf.Tensor3D {
  return gradientMaps(model, images, options, (grads) => tf.mean(grads, [1, 2], true));
}

/**
 * Grad-CAM++ maps of a batch: `ReLU(Σ_k w_k f_k)` with `w_k = Σ_ij α_ij^k · ReLU(g_ij^k)`, `g` the
 * gradient of the class score with respect to the feature map, and the closed form of the
 * exponential score `exp(S)` for the higher derivatives:
 * `α_ij^k = g² / (2 g² + Σ_ab f_ab^k · g³)` (0 where the denominator is 0). The positive per-image
 * factor `exp(S)` of the weights is left out (it scales the map and vanishes when normalising).
 *
 * @param model - inference-mode model
 * @param images - normalised `[B, H, W, 3]` batch (not disposed)
 * @param options - class, head, upsampling and normalisation
 * @returns `[B, H, W]` (or `[B, h, w]` without upsampling) float32, owned by the caller
 * @throws {@link HeadMismatchError} when the head does not reproduce the model's logits
 * @throws InvalidOptionError for a bad target or missing labels
 * @see https://arxiv.org/abs/1710.11063
 */
export function gradCamPlusPlus(model: ModelHandle, images: tf.Tensor4D, options: GradCamOptions = {}): tf.Tensor3D {
  return gradientMaps(model, images, options, (grads, featureMap) => {
    const g2 = tf.square(grads);
    const g3 = tf.mul(g2, grads);
    const denominator = tf.add(tf.mul(2, g2), tf.mul(tf.sum(featureMap, [1, 2], true), g3));
    const nonZero = tf.notEqual(denominator, 0);
    const alpha = tf.where(nonZero, tf.div(g2, tf.where(nonZero, denominator, tf.onesLike(denominator))), tf.zerosLike(g2));
    return tf.sum(tf.mul(alpha, tf.relu(grads)), [1, 2], true);
  });
}

/** Shared body: forward, head check, gradient w.r.t. the feature map, channel weights, ReLU of the weighted sum. */
function gradientMaps(
  model: ModelHandle,
  images: tf.Tensor4D,
  options: GradCamOptions,
  channelWeights: (grads: tf.Tensor4D, featureMap: tf.Tensor4D) => tf.Tensor,
): tf.Tensor3D {
  const target = options.target ?? 'fake';
  const upsample = options.upsample ?? true;
  const normalize = options.normalize ?? true;
  const tolerance = options.headTolerance ?? 1e-3;
  return tf.tidy(() => {
    const { featureMap, logits } = compiledForwardOutputs(model, (x) => model.forward(x), images);
    let head = options.head;
    if (!head) {
      const weights = model.classifier();
      checkKernel(featureMap, weights.kernel);
      head = linearHead(model.outputKind, weights);
    }
    checkHead(head(featureMap), logits, tolerance, options.head !== undefined, model.outputKind);
    const selector = camSelector(target, options.labels, featureMap.shape[0], logits.shape[logits.rank - 1]!);
    const score = (f: tf.Tensor): tf.Scalar => tf.sum(selectedScore(head(f as tf.Tensor4D), selector));
    const grads = tf.grad(score)(featureMap) as tf.Tensor4D;
    const weights = channelWeights(grads, featureMap);
    const maps = tf.relu(tf.sum(tf.mul(weights, featureMap), 3)) as tf.Tensor3D;
    return finishMaps(maps, upsample ? [images.shape[1], images.shape[2]] : null, normalize);
  });
}

/** Throws {@link HeadMismatchError} unless `rebuilt` reproduces `logits`. Call inside a tidy. */
function checkHead(rebuilt: tf.Tensor, logits: tf.Tensor, tolerance: number, custom: boolean, kind: string): void {
  const which = custom
    ? 'the given head'
    : kind === 'image'
      ? 'the rebuilt head GAP(featureMap)·kernel + bias'
      : 'the rebuilt head featureMap·kernel + bias (per position)';
  const fix = custom
    ? 'make head(featureMap) return the model logits'
    : 'pass options.head with the real head, or return from forward the map the classifier reads';
  if (rebuilt.shape.join(',') !== logits.shape.join(',')) {
    throw new HeadMismatchError(
      `Grad-CAM: ${which} gives logits [${rebuilt.shape.join(', ')}] but the model returns [${logits.shape.join(', ')}]; ${fix}.`,
    );
  }
  const error = tf.max(tf.abs(tf.sub(rebuilt, logits))).dataSync()[0]!;
  const scale = tf.max(tf.abs(logits)).dataSync()[0]!;
  if (!(error <= tolerance * (1 + scale))) {
    throw new HeadMismatchError(
      `Grad-CAM: ${which} differs from the model's logits by up to ${error.toPrecision(3)} (tolerance ${tolerance} x (1 + ${scale.toPrecision(3)})); ${fix}.`,
    );
  }
}
