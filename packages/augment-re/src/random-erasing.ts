/**
 * Random Erasing (Zhong et al., AAAI 2020) as an rfm.js augmentation plugin: the "+RE" baseline of
 * the RFM paper's Table 3.
 *
 * @packageDocumentation
 */
import {
  eraseRect,
  eraseWithMask,
  sampleErased,
  type AugmentContext,
  type Augmentation,
  type AugmentResult,
  type PixelRect,
} from '@rfm/core';
import {
  resolveRandomErasingOptions,
  type RandomErasingOptions,
  type ResolvedRandomErasingOptions,
} from './random-erasing-options.js';
import { sampleRandomErasingRects } from './rect-sampler.js';

/** Replay parameters of one image (an entry of `params.perImage`). */
export interface RandomErasingImageParams {
  /** Whether any pixel of the image was erased (drawn with probability p and at least one rectangle placed). */
  readonly erased: boolean;
  /** The erased rectangles, half-open pixel ranges. */
  readonly rects: PixelRect[];
  /** Rectangle attempts used (0 for images not drawn for erasing). */
  readonly attempts: number;
}

/**
 * Random Erasing: with probability p per image, replace one random rectangle (or `count` of
 * them) lying entirely inside the image by the fill.
 *
 * Defaults follow Zhong et al. (p = 0.5, area 2–40 %, aspect 0.3–3.33, 100 attempts); the fill
 * defaults to RFM's U[-1, 1) noise because RFM filled every compared method alike (paper §4.4).
 *
 * @see https://arxiv.org/abs/1708.04896
 * @example
 * ```ts
 * const re = new RandomErasing({ probability: 0.5 });
 * const { images, mask, params } = re.apply(ctx); // dispose images and mask when done
 * ```
 */
export class RandomErasing implements Augmentation {
  /** Plugin name. */
  readonly name = 're';
  /** Resolved options. */
  readonly options: ResolvedRandomErasingOptions;

  /**
   * @param options - see {@link RandomErasingOptions}
   * @throws InvalidOptionError for an out-of-range option
   */
  constructor(options: RandomErasingOptions = {}) {
    this.options = resolveRandomErasingOptions(options);
  }

  /**
   * Erases the batch. Draws, in order: one Bernoulli(p) per image, the rectangles of each selected
   * image (see `sampleRandomErasingRects`), then the fill values.
   *
   * @param ctx - the batch and the run's generator
   * @returns the erased batch, the keep-mask (1 = kept) and the sampled rectangles, all owned by the caller
   */
  apply(ctx: AugmentContext): AugmentResult {
    const [b, h, w] = ctx.images.shape;
    const selected = sampleErased(ctx.rng, b, this.options.probability);
    const keep = new Float32Array(b * h * w).fill(1);
    const perImage: RandomErasingImageParams[] = selected.map((chosen, i) => {
      if (!chosen) return { erased: false, rects: [], attempts: 0 };
      const { rects, attempts } = sampleRandomErasingRects(h, w, this.options, ctx.rng);
      for (const rect of rects) eraseRect(keep, i, h, w, rect);
      return { erased: rects.length > 0, rects, attempts };
    });
    const out = eraseWithMask(ctx.images, keep, this.options.fill, ctx.rng, ctx.normalization);
    return { ...out, params: { method: this.name, perImage } };
  }
}
