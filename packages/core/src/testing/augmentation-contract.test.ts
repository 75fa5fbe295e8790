import type { Augmentation, AugmentContext, AugmentResult } from '../augmentation.js';
import { eraseRect, eraseWithMask, sampleErased } from '../erasing.js';
import { describeAugmentationContract } from './augmentation-contract.js';

/** A minimal plugin: erases the top-left quarter of each selected image with uniform noise. */
class QuarterErasing implements Augmentation {
  readonly name = 'quarter';
  constructor(private readonly probability: number) {}
  apply(ctx: AugmentContext): AugmentResult {
    const [b, h, w] = ctx.images.shape;
    const erased = sampleErased(ctx.rng, b, this.probability);
    const keep = new Float32Array(b * h * w).fill(1);
    erased.forEach((e, i) => {
      if (e) eraseRect(keep, i, h, w, { top: 0, bottom: h / 2, left: 0, right: w / 2 });
    });
    const out = eraseWithMask(ctx.images, keep, 'uniform', ctx.rng, ctx.normalization);
    return { ...out, params: { method: this.name, perImage: erased.map((e) => ({ erased: e })) } };
  }
}

describeAugmentationContract('quarter (example plugin)', ({ probability }) => new QuarterErasing(probability));
