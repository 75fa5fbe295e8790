/**
 * The geometry of Random Erasing as a pure function of (H, W, options, rng): no tensors, so its
 * statistics (for example the centre bias RFM criticises) can be measured over many draws.
 *
 * @packageDocumentation
 */
import type { PixelRect, Rng } from '@rfm/core';
import type { ResolvedRandomErasingOptions } from './random-erasing-options.js';

/** The rectangles sampled for one image. */
export interface RandomErasingRects {
  /** Placed rectangles (half-open pixel ranges), fewer than `count` when some box ran out of attempts. */
  readonly rects: PixelRect[];
  /** Attempts used over all boxes (each box stops at its first acceptance or after `maxAttempts`). */
  readonly attempts: number;
}

/**
 * Samples the rectangles of one erased image, following the authors' code (Zhong et al.,
 * `transforms.py`; spec §5.2) with timm's multi-box extension:
 *
 * for each of `count` boxes, up to `maxAttempts` times: target area `S_e = U(s_l, s_h)·H·W / count`,
 * aspect `r_e` uniform (or log-uniform) in `[r_1, r_2]`, `h = round(√(S_e·r_e))`,
 * `w = round(√(S_e/r_e))`; accept iff `1 <= h < H` and `1 <= w < W`; then the top-left corner is
 * uniform over every position that keeps the rectangle inside the image, `top ∈ {0..H-h}`,
 * `left ∈ {0..W-w}`. Requiring the whole rectangle inside the image is what makes central pixels
 * far more likely to be erased than border ones (RFM §3.3, "inherent algorithm defect").
 *
 * Random draws, in order, per attempt: area, aspect, then top and left when accepted.
 *
 * @param height - image height H
 * @param width - image width W
 * @param options - resolved Random Erasing options (only the geometry fields are read)
 * @param rng - seeded generator
 * @returns the placed rectangles and the number of attempts
 * @example
 * ```ts
 * const { rects } = sampleRandomErasingRects(224, 224, resolveRandomErasingOptions(), createRng(1));
 * ```
 */
export function sampleRandomErasingRects(
  height: number,
  width: number,
  options: Pick<ResolvedRandomErasingOptions, 'area' | 'aspectRatio' | 'aspectSampling' | 'maxAttempts' | 'count'>,
  rng: Rng,
): RandomErasingRects {
  const [areaLo, areaHi] = options.area;
  const [ratioLo, ratioHi] = options.aspectRatio;
  const logLo = Math.log(ratioLo);
  const logHi = Math.log(ratioHi);
  const imageArea = height * width;
  const rects: PixelRect[] = [];
  let attempts = 0;
  for (let box = 0; box < options.count; box++) {
    for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
      attempts++;
      const area = (rng.uniform(areaLo, areaHi) * imageArea) / options.count;
      const ratio = options.aspectSampling === 'log-uniform' ? Math.exp(rng.uniform(logLo, logHi)) : rng.uniform(ratioLo, ratioHi);
      const h = Math.round(Math.sqrt(area * ratio));
      const w = Math.round(Math.sqrt(area / ratio));
      if (h >= 1 && w >= 1 && h < height && w < width) {
        const top = rng.int(0, height - h);
        const left = rng.int(0, width - w);
        rects.push({ top, bottom: top + h, left, right: left + w });
        break;
      }
    }
  }
  return { rects, attempts };
}
