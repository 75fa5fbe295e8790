/**
 * The frame every erasing plugin shares: one Bernoulli(p) draw per image, a keep-mask, the split
 * between choosing *where* to erase ({@link BaseErasing.sampleRegions}) and erasing it
 * ({@link BaseErasing.erase}), and the `params` record. SFE, PSFE, Random Erasing and Adversarial
 * Erasing extend it and override only what differs.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AugmentContext, Augmentation, AugmentResult } from './augmentation.js';
import { eraseRect, eraseWithMask, sampleErased, type FillMode, type PixelRect } from './erasing.js';

/** The options every erasing plugin has. */
export interface ErasingBaseOptions {
  /** p, the per-image erasing probability in [0, 1] (erase iff `Rand(0,1) <= p`). */
  readonly probability: number;
  /** What erased pixels become. */
  readonly fill: FillMode;
}

/**
 * A batch's keep-mask, `B·H·W` values: 1 = kept, 0 = erased. Plugins erase into it image by image.
 *
 * @example
 * ```ts
 * const keep = new KeepMask(2, 32, 32);
 * keep.eraseRect(1, { top: 0, bottom: 8, left: 0, right: 8 });
 * keep.image(1)[0]; // 0
 * ```
 */
export class KeepMask {
  /** The `B·H·W` values, row-major per image. */
  readonly values: Float32Array;

  /**
   * An all-kept mask.
   *
   * @param batch - images B
   * @param height - rows H
   * @param width - columns W
   */
  constructor(
    readonly batch: number,
    readonly height: number,
    readonly width: number,
  ) {
    this.values = new Float32Array(batch * height * width).fill(1);
  }

  /** Pixels per image, `H·W`. */
  get pixels(): number {
    return this.height * this.width;
  }

  /**
   * The `H·W` values of image `index` (a view: writing to it erases).
   *
   * @param index - image index
   */
  image(index: number): Float32Array {
    return this.values.subarray(index * this.pixels, (index + 1) * this.pixels);
  }

  /**
   * Erases `rect` (clipped to the image) in image `index`.
   *
   * @param index - image index
   * @param rect - half-open pixel rectangle
   */
  eraseRect(index: number, rect: PixelRect): void {
    eraseRect(this.values, index, this.height, this.width, rect);
  }
}

/** What {@link BaseErasing.erase} returns: the new batch, its mask and the per-image records. */
export interface ErasingOutcome<TImage> {
  /** The erased batch, a new tensor owned by the caller. */
  readonly images: tf.Tensor4D;
  /** `[B, H, W, 1]` keep-mask, a new tensor owned by the caller. */
  readonly mask?: tf.Tensor4D;
  /** One record per image, in batch order (`params.perImage`). */
  readonly perImage: readonly TImage[];
}

/**
 * Base class of erasing plugins. `apply` draws one Bernoulli(p) per image from `ctx.rng` (always B
 * draws, so the stream does not depend on p), creates the keep-mask, calls {@link erase} and
 * assembles `params` as `{ method: name, perImage, ...extraParams() }`.
 *
 * Subclasses implement {@link sampleRegions} (where to erase, written into the keep-mask, one
 * record per image); the default {@link erase} then fills the erased pixels once with
 * `eraseWithMask`. A method that erases in several rounds (PSFE) overrides {@link erase}.
 *
 * @typeParam TImage - the per-image replay record
 * @typeParam TOptions - the resolved options
 * @example
 * ```ts
 * class CornerErasing extends BaseErasing<{ erased: boolean }> {
 *   readonly name = 'corner';
 *   constructor() { super({ probability: 0.5, fill: 'uniform' }); }
 *   protected sampleRegions(_ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask) {
 *     return selected.map((erased, i) => {
 *       if (erased) keep.eraseRect(i, { top: 0, bottom: 8, left: 0, right: 8 });
 *       return { erased };
 *     });
 *   }
 * }
 * ```
 */
export abstract class BaseErasing<TImage, TOptions extends ErasingBaseOptions = ErasingBaseOptions> implements Augmentation {
  /** Plugin name (unique within a run). */
  abstract readonly name: string;

  /** @param options - the resolved, validated options */
  constructor(readonly options: TOptions) {}

  /**
   * Erases the batch: Bernoulli(p) per image, then {@link erase}.
   *
   * @param ctx - the batch, its labels, the model and the run's generator
   * @returns the erased batch, the `[B, H, W, 1]` keep-mask (1 = kept) and the replay parameters
   */
  async apply(ctx: AugmentContext): Promise<AugmentResult> {
    const [b, h, w] = ctx.images.shape;
    const selected = sampleErased(ctx.rng, b, this.options.probability);
    const keep = new KeepMask(b, h, w);
    const { images, mask, perImage } = await this.erase(ctx, selected, keep);
    return { images, ...(mask ? { mask } : {}), params: { method: this.name, perImage, ...this.extraParams() } };
  }

  /**
   * Chooses the regions to erase: writes them into `keep` and returns one record per image (the
   * images not selected included).
   *
   * @param ctx - the batch (for PSFE: the batch of the current round)
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - the keep-mask to erase into
   */
  protected abstract sampleRegions(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): TImage[] | Promise<TImage[]>;

  /**
   * Erases the batch: {@link sampleRegions}, then one fill of every erased pixel.
   *
   * @param ctx - the batch
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - an all-kept mask to erase into
   */
  protected async erase(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): Promise<ErasingOutcome<TImage>> {
    const perImage = await this.sampleRegions(ctx, selected, keep);
    const out = eraseWithMask(ctx.images, keep.values, this.options.fill, ctx.rng, ctx.normalization);
    return { ...out, perImage };
  }

  /** Fields added to `params` besides `method` and `perImage` (default none). */
  protected extraParams(): Record<string, unknown> {
    return {};
  }
}
