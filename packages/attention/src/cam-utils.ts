/**
 * Internal plumbing shared by CAM, Grad-CAM and Grad-CAM++: class selection as a `[B, C]`
 * weight matrix, the classifier head rebuilt from its weights, and the final upsampling and
 * per-image min-max normalisation. Not part of the public API (`attention/index.ts` does not
 * re-export this file).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ClassifierWeights, type OutputKind, requireOption, ShapeMismatchError } from '@rfm/core';

/** The feature map, logits and classifier weights of a model do not fit the assumed classifier head. */
export class HeadMismatchError extends ShapeMismatchError {
  /** @param message - which shapes or values disagree, and what the model must provide */
  constructor(message: string) {
    super(message);
  }
}

/**
 * Which class score a class activation map explains.
 * - `fake` (class 1) or `real` (class 0);
 * - `label`: each image's own label (Adversarial Erasing's ground-truth class), needs `labels`;
 * - `fake-minus-real`: the logit gap `O_fake - O_real` (the quantity FAM differentiates);
 * - a number: that class index.
 */
export type CamTarget = 'fake' | 'real' | 'label' | 'fake-minus-real' | number;

/**
 * Per-image class weights `[B, C]` such that the explained score of image b is
 * `Σ_c S[b, c] · logits[b, c]`.
 *
 * @param target - class selection
 * @param labels - per-image labels (only for `label`)
 * @param batch - B
 * @param numClasses - C
 * @throws InvalidOptionError for an unknown target, a class out of range or missing labels
 */
export function camSelector(
  target: CamTarget,
  labels: readonly number[] | undefined,
  batch: number,
  numClasses: number,
): tf.Tensor2D {
  const s = new Float32Array(batch * numClasses);
  const classOk = (c: unknown): c is number => Number.isInteger(c) && (c as number) >= 0 && (c as number) < numClasses;
  const range = `an integer class index in [0, ${numClasses - 1}]`;
  if (target === 'label') {
    requireOption(
      labels !== undefined && labels.length === batch,
      'labels',
      labels === undefined ? labels : `${labels.length} labels`,
      `one label per image (${batch}) when target = 'label'`,
    );
    labels.forEach((l, b) => {
      requireOption(classOk(l), `labels[${b}]`, l, range);
      s[b * numClasses + l] = 1;
    });
  } else if (target === 'fake-minus-real') {
    requireOption(numClasses >= 2, 'target', target, 'a model with at least 2 classes');
    for (let b = 0; b < batch; b++) {
      s[b * numClasses + 1] = 1;
      s[b * numClasses] = -1;
    }
  } else {
    const c = target === 'fake' ? 1 : target === 'real' ? 0 : target;
    requireOption(
      target === 'fake' || target === 'real' || typeof target === 'number',
      'target',
      target,
      `'fake', 'real', 'label', 'fake-minus-real' or ${range}`,
    );
    requireOption(classOk(c), 'target', target, range);
    for (let b = 0; b < batch; b++) s[b * numClasses + c] = 1;
  }
  return tf.tensor2d(s, [batch, numClasses]);
}

/**
 * The classifier head rebuilt from its weights: `GAP(featureMap) · kernel + bias` for image
 * models, `featureMap · kernel + bias` at every position for patch models.
 *
 * @param kind - output granularity
 * @param weights - classifier weights (not disposed)
 */
export function linearHead(kind: OutputKind, weights: ClassifierWeights): (featureMap: tf.Tensor4D) => tf.Tensor {
  const { kernel, bias } = weights;
  return (featureMap) => {
    const [b, h, w, k] = featureMap.shape;
    const c = kernel.shape[1];
    if (kind === 'image') {
      const logits = tf.matMul(tf.mean(featureMap, [1, 2]) as tf.Tensor2D, kernel);
      return bias ? tf.add(logits, bias) : logits;
    }
    const flat = tf.matMul(tf.reshape(featureMap, [b * h * w, k]) as tf.Tensor2D, kernel);
    return tf.reshape(bias ? tf.add(flat, bias) : flat, [b, h, w, c]);
  };
}

/**
 * Per-image class score `[B]` from logits: image logits `[B, C]` are used as they are, patch
 * logits `[B, h, w, C]` are averaged over patches first (like `logitGap`).
 *
 * @param logits - `[B, C]` or `[B, h, w, C]`
 * @param selector - `[B, C]` from {@link camSelector}
 */
export function selectedScore(logits: tf.Tensor, selector: tf.Tensor2D): tf.Tensor1D {
  const [b, c] = selector.shape;
  const pooled = tf.mean(tf.reshape(logits, [b, -1, c]), 1);
  return tf.sum(tf.mul(pooled, selector), 1) as tf.Tensor1D;
}

/**
 * Bilinear upsampling of `[B, h, w]` maps to `[B, H, W]` with half-pixel centres (PyTorch
 * `interpolate(align_corners=False)`, OpenCV `resize`), then per-image min-max to [0, 1]
 * (a constant map becomes all zeros).
 *
 * @param maps - `[B, h, w]` (not disposed)
 * @param size - target `[H, W]`, or null to keep the map's size
 * @param normalize - whether to min-max normalise each image's map
 */
export function finishMaps(maps: tf.Tensor3D, size: readonly [number, number] | null, normalize: boolean): tf.Tensor3D {
  let out = maps;
  if (size && (size[0] !== maps.shape[1] || size[1] !== maps.shape[2])) {
    const up = tf.image.resizeBilinear(tf.expandDims(maps, 3) as tf.Tensor4D, [size[0], size[1]], false, true);
    out = tf.squeeze(up, [3]) as tf.Tensor3D;
  }
  if (!normalize) return out === maps ? (tf.clone(maps) as tf.Tensor3D) : out;
  const lo = tf.min(out, [1, 2], true);
  const span = tf.sub(tf.max(out, [1, 2], true), lo);
  const safe = tf.where(tf.greater(span, 0), span, tf.onesLike(span));
  return tf.div(tf.sub(out, lo), safe) as tf.Tensor3D;
}

/**
 * Throws {@link HeadMismatchError} unless the kernel reads the feature map's channels.
 *
 * @param featureMap - `[B, h, w, K]`
 * @param kernel - `[K, C]`
 */
export function checkKernel(featureMap: tf.Tensor4D, kernel: tf.Tensor2D): void {
  if (kernel.rank !== 2 || kernel.shape[0] !== featureMap.shape[3]) {
    throw new HeadMismatchError(
      `Class activation maps need a classifier kernel [K, C] whose K equals the feature map's channels; got kernel [${kernel.shape.join(', ')}] for a feature map [${featureMap.shape.join(', ')}]. Return the map the classifier reads as featureMap.`,
    );
  }
}
