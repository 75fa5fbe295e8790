/**
 * Class Activation Mapping (Zhou et al., CVPR 2016): `CAM_c(x, y) = Σ_k W[k, c] · f_k(x, y)`, the
 * classifier weights of class c applied to the last feature map before global pooling. Adversarial
 * Erasing (Wei et al., CVPR 2017) erases where this map is high; RFM's Fig. 5 averages it.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { compiledForward, type ModelHandle } from '@rfm/core';
import { camSelector, checkKernel, finishMaps, type CamTarget } from './cam-utils.js';

export type { CamTarget } from './cam-utils.js';
export { HeadMismatchError } from './cam-utils.js';

/** Options of {@link classActivationMap}. */
export interface ClassActivationMapOptions {
  /** Which class score to explain. @default 'fake' */
  readonly target?: CamTarget;
  /** One label per image (0 = real, 1 = fake); required when `target` is `'label'`. */
  readonly labels?: readonly number[];
  /** Upsample the `[h, w]` map bilinearly (half-pixel centres) to the input's `[H, W]`. @default true */
  readonly upsample?: boolean;
  /** Min-max normalise each image's map to [0, 1] (a constant map becomes 0). @default true */
  readonly normalize?: boolean;
}

/**
 * Class activation maps of a batch: `Σ_k W[k, c] · f_k` per position, where `f` is the feature
 * map returned by `model.forward` and `W` the classifier kernel (the bias is left out, as in CAM).
 * On native TensorFlow the forward pass runs as one compiled graph once it has repeated for this
 * model handle and batch shape (`compiledForward` in `@rfm/core`).
 * For image models `mean(CAM_c) + bias_c` is the class-c logit; for patch models CAM_c at a position
 * is that patch's class-c logit minus the bias.
 *
 * @param model - inference-mode model
 * @param images - normalised `[B, H, W, 3]` batch (not disposed)
 * @param options - class, upsampling and normalisation
 * @returns `[B, H, W]` (or `[B, h, w]` without upsampling) float32, owned by the caller
 * @throws HeadMismatchError when the kernel's rows differ from the feature map's channels
 * @throws InvalidOptionError for a bad target or missing labels
 * @see https://arxiv.org/abs/1512.04150
 * @example
 * ```ts
 * const cams = classActivationMap(inferenceHandle(backbone), images, { target: 'label', labels: [0, 1] });
 * // cams: [2, H, W] in [0, 1]; cams.dispose() when done
 * ```
 */
export function classActivationMap(
  model: ModelHandle,
  images: tf.Tensor4D,
  options: ClassActivationMapOptions = {},
): tf.Tensor3D {
  const target = options.target ?? 'fake';
  const upsample = options.upsample ?? true;
  const normalize = options.normalize ?? true;
  return tf.tidy(() => {
    const featureMap = compiledForward(model, (x) => model.forward(x), images, 'featureMap') as tf.Tensor4D;
    const { kernel } = model.classifier();
    const [b, , , k] = featureMap.shape;
    checkKernel(featureMap, kernel);
    const selector = camSelector(target, options.labels, b, kernel.shape[1]);
    const perImage = tf.reshape(tf.matMul(selector, kernel, false, true), [b, 1, 1, k]);
    const cam = tf.sum(tf.mul(featureMap, perImage), 3) as tf.Tensor3D;
    return finishMaps(cam, upsample ? [images.shape[1], images.shape[2]] : null, normalize);
  });
}
