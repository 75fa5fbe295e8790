/**
 * A user-written augmentation plugin: erases one full-width horizontal band (a sixth of the face
 * by default) at a random height, e.g. to stop a detector from relying on the eyes or the mouth
 * alone. Everything it needs comes from `@rfm/core`.
 */
import { eraseRect, eraseWithMask, sampleErased, type AugmentContext, type Augmentation, type AugmentResult } from '@rfm/core';

export class BandErasing implements Augmentation {
  readonly name = 'band';

  constructor(
    private readonly heightFraction = 1 / 6,
    private readonly probability = 1,
  ) {}

  apply(ctx: AugmentContext): AugmentResult {
    const [b, h, w] = ctx.images.shape;
    const band = Math.max(1, Math.round(h * this.heightFraction));
    const erased = sampleErased(ctx.rng, b, this.probability);
    const keep = new Float32Array(b * h * w).fill(1);
    const perImage = erased.map((e, i) => {
      if (!e) return { erased: false };
      const top = ctx.rng.int(0, h - band); // every random choice from the run's seeded generator
      eraseRect(keep, i, h, w, { top, bottom: top + band, left: 0, right: w });
      return { erased: true, top, bottom: top + band };
    });
    const out = eraseWithMask(ctx.images, keep, 'uniform', ctx.rng, ctx.normalization);
    return { ...out, params: { method: this.name, perImage } };
  }
}
