/**
 * Forgery Attention Map (FAM, paper §3.1 Eq. 1; official `cal_fam`, spec §2.6): the per-pixel
 * sensitivity of the detector's decision, `max_c |∂(O_fake − O_real)/∂x|`, computed in inference
 * mode from input gradients only.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { logitGap, type ModelHandle, requireOption, runCompiledPass, ShapeMismatchError } from '@rfm/core';

/** Options of {@link forgeryAttentionMap}. */
export interface ForgeryAttentionOptions {
  /**
   * How a patch model's per-patch logit gaps become one value per image before differentiating:
   * `mean` over patches, or `sum` (what the official `cal_fam` would compute on patch logits).
   * Only the scale differs, so the anchor ranking of SFE is the same. Ignored for image-level models.
   * @default 'mean'
   */
  readonly patchReduction?: 'mean' | 'sum';
  /**
   * Run the pass as one graph where the backend compiles graphs (native TensorFlow, through
   * `@rfm/backend`): compiled once per model handle, reduction and batch shape (on the first call,
   * or after `compileAfter` eager ones), and run with the current weights after that. `false` runs
   * every pass eagerly.
   * @default true
   */
  readonly compile?: boolean;
  /**
   * Eager passes of the same model handle, reduction and batch shape before the pass is compiled
   * (with `compile`). 0 suits training, which runs the pass every iteration; a command that maps a
   * few batches passes `COMPILE_AFTER_RUNS` (`@rfm/core`), since compiling costs a few passes once.
   * @default 0
   */
  readonly compileAfter?: number;
}

/** Defaults of {@link ForgeryAttentionOptions}. */
export const FORGERY_ATTENTION_DEFAULTS: Required<ForgeryAttentionOptions> = { patchReduction: 'mean', compile: true, compileAfter: 0 };

/**
 * Computes the Forgery Attention Map of every image of a batch.
 *
 * `FAM[b, h, w] = max over channels of |∂(O_fake − O_real)_b / ∂x[b, h, w, c]|`, on raw logits
 * (no softmax), with the model in inference mode: batch normalisation uses its moving statistics,
 * so an image's map does not depend on the other images of the batch, and no weight gradient is
 * computed. No normalisation or smoothing is applied (that is only for visualisation, see
 * {@link averageAttentionMap}). On native TensorFlow the pass runs as one compiled graph from the
 * second call on for the same model handle, reduction and batch shape (see
 * {@link ForgeryAttentionOptions.compile} and {@link ForgeryAttentionOptions.compileAfter}); its
 * values equal the eager pass' up to float32 rounding.
 *
 * @param model - inference-mode model (from `inferenceHandle(backbone)` or `AugmentContext.model`)
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @param options - patch reduction, compiling and when
 * @returns `[B, H, W]` float32 map, a new tensor owned by the caller
 * @throws `InvalidOptionError` (`@rfm/core`) for an unknown `patchReduction` or a `compileAfter`
 *   that is not an integer >= 0
 * @throws `ShapeMismatchError` (`@rfm/core`) when the model has fewer than two classes
 * @see https://openaccess.thecvf.com/content/CVPR2021/html/Wang_Representative_Forgery_Mining_for_Fake_Face_Detection_CVPR_2021_paper.html
 * @example
 * ```ts
 * const fam = forgeryAttentionMap(inferenceHandle(backbone), images); // [B, H, W]
 * const values = await fam.data();
 * fam.dispose();
 * ```
 */
export function forgeryAttentionMap(
  model: ModelHandle,
  images: tf.Tensor4D,
  options: ForgeryAttentionOptions = {},
): tf.Tensor3D {
  const reduction = options.patchReduction ?? FORGERY_ATTENTION_DEFAULTS.patchReduction;
  requireOption(reduction === 'mean' || reduction === 'sum', 'patchReduction', reduction, `'mean' or 'sum'`);
  if (model.numClasses < 2) {
    throw new ShapeMismatchError(
      `forgeryAttentionMap needs a model with at least 2 classes (O_real, O_fake), got ${model.numClasses}.`,
    );
  }
  const eager = (x: tf.Tensor4D): tf.Tensor3D =>
    tf.tidy(() => {
      const gradient = model.inputGradient(x, (out) => logitGap(out.logits, reduction));
      return tf.max(tf.abs(gradient), 3) as tf.Tensor3D;
    });
  const compileAfter = options.compileAfter ?? FORGERY_ATTENTION_DEFAULTS.compileAfter;
  requireOption(Number.isInteger(compileAfter) && compileAfter >= 0, 'compileAfter', compileAfter, 'an integer >= 0');
  if (!(options.compile ?? FORGERY_ATTENTION_DEFAULTS.compile)) return eager(images);
  return runCompiledPass(model, `fam|${reduction}`, (inputs) => eager(inputs[0] as tf.Tensor4D), [images], { compileAfter }) as tf.Tensor3D;
}

/**
 * The FAM values of some images of a batch, computed on those images only (the map of an image
 * does not depend on the others in inference mode), read back to the CPU.
 *
 * @param model - inference-mode model
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @param indices - the images to map, in the order wanted
 * @param options - patch reduction
 * @returns `indices.length · H · W` values, image after image
 * @example
 * ```ts
 * const maps = await forgeryAttentionValues(ctx.model, ctx.images, [0, 2]); // images 0 and 2
 * ```
 */
export async function forgeryAttentionValues(
  model: ModelHandle,
  images: tf.Tensor4D,
  indices: readonly number[],
  options: ForgeryAttentionOptions = {},
): Promise<Float32Array> {
  const fam = tf.tidy(() => {
    const subset = indices.length === images.shape[0] && indices.every((v, i) => v === i) ? images : tf.gather(images, indices as number[]);
    return forgeryAttentionMap(model, subset, options);
  });
  try {
    return (await fam.data()) as Float32Array;
  } finally {
    fam.dispose();
  }
}
