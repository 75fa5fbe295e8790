/**
 * Adversarial Erasing (Wei et al., CVPR 2017) as a one-step online rfm.js augmentation: the "+AE"
 * baseline of the RFM paper's Table 3.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { classActivationMap } from '@rfm/attention';
import { BaseErasing, type AugmentContext, type KeepMask, type ModelHandle } from '@rfm/core';
import {
  resolveAdversarialErasingOptions,
  type AdversarialErasingOptions,
  type ResolvedAdversarialErasingOptions,
} from './adversarial-erasing-options.js';
import { camCutoff } from './cam-threshold.js';

/** Replay parameters of one image (an entry of `params.perImage`). */
export interface AdversarialErasingImageParams {
  /** Whether any pixel of the image was erased. */
  readonly erased: boolean;
  /** Pixels with normalised CAM `>= cutoff` were erased; null if the image was not drawn or its CAM is constant. */
  readonly cutoff: number | null;
  /** Number of erased pixels. */
  readonly pixels: number;
  /** The explained class index, or `fake-minus-real`. */
  readonly camClass: number | 'fake-minus-real';
}

/**
 * Adversarial Erasing, single step and online: for each image drawn with probability p, compute
 * the class activation map of the current model (inference mode) for the ground-truth class, upsample
 * it bilinearly to the input, min-max normalise it, and erase every pixel above the threshold
 * (default: the image's top 20 %) with the fill. The erased region follows the CAM's shape
 * (pixel-wise, not blocks).
 *
 * Wei et al. erase iteratively across several trained classifiers with the mean pixel; this
 * adaptation, its threshold, class and fill are assumptions (see README, spec §6.2).
 *
 * @see https://arxiv.org/abs/1703.08448
 * @example
 * ```ts
 * const ae = new AdversarialErasing({ threshold: { kind: 'top-fraction', value: 0.2 } });
 * const { images, mask, params } = await ae.apply(ctx); // dispose images and mask when done
 * ```
 */
export class AdversarialErasing extends BaseErasing<AdversarialErasingImageParams, ResolvedAdversarialErasingOptions> {
  /** Plugin name. */
  readonly name = 'ae';

  /**
   * @param options - see {@link AdversarialErasingOptions}
   * @throws InvalidOptionError for an out-of-range option
   */
  constructor(options: AdversarialErasingOptions = {}) {
    super(resolveAdversarialErasingOptions(options));
  }

  /**
   * The maps this plugin thresholds: `[B, H, W]` CAMs of `camClass`, upsampled to the images and
   * min-max normalised per image. The caller disposes the result.
   *
   * @param model - inference-mode model
   * @param images - normalised `[B, H, W, 3]` batch (not disposed)
   * @param labels - one label per image (used when `camClass` is `label`)
   */
  activationMaps(model: ModelHandle, images: tf.Tensor4D, labels: readonly number[]): tf.Tensor3D {
    return classActivationMap(model, images, {
      target: this.options.camClass === 'label' ? 'label' : 'fake-minus-real',
      labels,
      upsample: true,
      normalize: true,
    });
  }

  /**
   * Thresholds the CAM of every selected image (computed only when at least one image is drawn)
   * into the keep-mask; the Bernoulli(p) draw before and the fill after come from `BaseErasing`.
   *
   * @param ctx - the batch, its labels and the model
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - the keep-mask the pixels above the cut-off are erased into
   */
  protected async sampleRegions(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): Promise<AdversarialErasingImageParams[]> {
    const n = keep.pixels;
    let maps: Float32Array | null = null;
    if (selected.some(Boolean)) {
      const tensor = this.activationMaps(ctx.model, ctx.images, ctx.labelValues);
      try {
        maps = (await tensor.data()) as Float32Array;
      } finally {
        tensor.dispose();
      }
    }
    return selected.map((chosen, i) => {
      const camClass = this.options.camClass === 'label' ? ctx.labelValues[i]! : 'fake-minus-real';
      if (!chosen || !maps) return { erased: false, cutoff: null, pixels: 0, camClass };
      const map = maps.subarray(i * n, (i + 1) * n);
      const cutoff = camCutoff(map, this.options.threshold);
      const image = keep.image(i);
      let pixels = 0;
      if (cutoff !== null) {
        for (let p = 0; p < n; p++) {
          if (map[p]! >= cutoff) {
            image[p] = 0;
            pixels++;
          }
        }
      }
      return { erased: pixels > 0, cutoff, pixels, camClass };
    });
  }
}
