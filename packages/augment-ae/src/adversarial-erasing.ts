/**
 * Adversarial Erasing (Wei et al., CVPR 2017) as a one-step online rfm.js augmentation: the "+AE"
 * baseline of the RFM paper's Table 3.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { classActivationMap } from '@rfm/attention';
import {
  eraseWithMask,
  sampleErased,
  type AugmentContext,
  type Augmentation,
  type AugmentResult,
  type ModelHandle,
} from '@rfm/core';
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
export class AdversarialErasing implements Augmentation {
  /** Plugin name. */
  readonly name = 'ae';
  /** Resolved options. */
  readonly options: ResolvedAdversarialErasingOptions;

  /**
   * @param options - see {@link AdversarialErasingOptions}
   * @throws InvalidOptionError for an out-of-range option
   */
  constructor(options: AdversarialErasingOptions = {}) {
    this.options = resolveAdversarialErasingOptions(options);
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
   * Erases the batch. Draws, in order: one Bernoulli(p) per image, then the fill values. The CAM
   * is only computed when at least one image is drawn.
   *
   * @param ctx - the batch, its labels, the model and the run's generator
   * @returns the erased batch, the keep-mask (1 = kept) and per-image cut-offs, owned by the caller
   */
  async apply(ctx: AugmentContext): Promise<AugmentResult> {
    const [b, h, w] = ctx.images.shape;
    const n = h * w;
    const selected = sampleErased(ctx.rng, b, this.options.probability);
    const keep = new Float32Array(b * n).fill(1);
    let maps: Float32Array | null = null;
    if (selected.some(Boolean)) {
      const tensor = this.activationMaps(ctx.model, ctx.images, ctx.labelValues);
      try {
        maps = (await tensor.data()) as Float32Array;
      } finally {
        tensor.dispose();
      }
    }
    const perImage: AdversarialErasingImageParams[] = selected.map((chosen, i) => {
      const camClass = this.options.camClass === 'label' ? ctx.labelValues[i]! : 'fake-minus-real';
      if (!chosen || !maps) return { erased: false, cutoff: null, pixels: 0, camClass };
      const map = maps.subarray(i * n, (i + 1) * n);
      const cutoff = camCutoff(map, this.options.threshold);
      let pixels = 0;
      if (cutoff !== null) {
        for (let p = 0; p < n; p++) {
          if (map[p]! >= cutoff) {
            keep[i * n + p] = 0;
            pixels++;
          }
        }
      }
      return { erased: pixels > 0, cutoff, pixels, camClass };
    });
    const out = eraseWithMask(ctx.images, keep, this.options.fill, ctx.rng, ctx.normalization);
    return { ...out, params: { method: this.name, perImage } };
  }
}
