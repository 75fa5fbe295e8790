/**
 * Random Erasing (Zhong et al., AAAI 2020) as an rfm.js augmentation plugin: the "+RE" baseline of
 * the RFM paper's Table 3.
 *
 * @packageDocumentation
 */
import { BaseErasing, type AugmentContext, type KeepMask, type PixelRect } from '@rfm/core';
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
 * const { images, mask, params } = await re.apply(ctx); // dispose images and mask when done
 * ```
 */
export class RandomErasing extends BaseErasing<RandomErasingImageParams, ResolvedRandomErasingOptions> {
  /** Plugin name. */
  readonly name = 're';

  /**
   * @param options - see {@link RandomErasingOptions}
   * @throws InvalidOptionError for an out-of-range option
   */
  constructor(options: RandomErasingOptions = {}) {
    super(resolveRandomErasingOptions(options));
  }

  /**
   * Draws the rectangles of each selected image, in batch order (see `sampleRandomErasingRects`);
   * the Bernoulli(p) draw before and the fill after come from `BaseErasing`.
   *
   * @param ctx - the batch and the run's generator
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - the keep-mask the rectangles are erased into
   */
  protected sampleRegions(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): RandomErasingImageParams[] {
    return selected.map((chosen, i) => {
      if (!chosen) return { erased: false, rects: [], attempts: 0 };
      const { rects, attempts } = sampleRandomErasingRects(keep.height, keep.width, this.options, ctx.rng);
      for (const rect of rects) keep.eraseRect(i, rect);
      return { erased: rects.length > 0, rects, attempts };
    });
  }
}
