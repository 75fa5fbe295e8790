/**
 * Suspicious Forgeries Erasing (Wang & Deng, CVPR 2021, §3.2 and Algorithm 1) as an augmentation
 * plugin: per image, occlude the Top-N most sensitive regions of its Forgery Attention Map.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { forgeryAttentionMap } from '@rfm/attention';
import {
  eraseWithMask,
  sampleErased,
  type Augmentation,
  type AugmentContext,
  type AugmentResult,
  type ModelHandle,
} from '@rfm/core';
import { placeSfeBlocks, type SfeImageParams } from './block-sampler.js';
import { resolveSfeOptions, type ResolvedSfeOptions, type SfeOptions } from './sfe-options.js';

/**
 * SFE: for each image selected with probability p, compute its Forgery Attention Map with the
 * current weights (inference mode), then place N blocks at the most sensitive pixels not yet
 * covered, and fill the covered pixels (by default with U[-1, 1) noise in normalised space).
 * Real and fake images are both erased; labels are unchanged (spec §2.5).
 *
 * `params.perImage[i]` is `{ erased, blocks: [{ anchor: [row, col], top, bottom, left, right }] }`
 * (clipped half-open rectangles), enough to replay the mask.
 *
 * @see https://openaccess.thecvf.com/content/CVPR2021/html/Wang_Representative_Forgery_Mining_for_Fake_Face_Detection_CVPR_2021_paper.html
 * @example
 * ```ts
 * const sfe = new SuspiciousForgeriesErasing({ maxHeight: 120 / 224, maxWidth: 120 / 224 });
 * const { images, mask, params } = await sfe.apply(ctx); // ctx: AugmentContext from the trainer
 * ```
 */
export class SuspiciousForgeriesErasing implements Augmentation {
  /** Plugin name. */
  readonly name: string = 'sfe';
  /** The validated options. */
  readonly options: ResolvedSfeOptions;

  /**
   * @param options - see {@link SfeOptions}; defaults are the paper's
   * @throws `InvalidOptionError` for an out-of-range option
   */
  constructor(options: SfeOptions = {}) {
    this.options = resolveSfeOptions(options);
  }

  /**
   * Erases the batch. Returns a new batch, the `[B, H, W, 1]` keep-mask (1 = kept) and the blocks.
   *
   * @param ctx - the trainer's context; only `images`, `model`, `rng` and `normalization` are read
   */
  async apply(ctx: AugmentContext): Promise<AugmentResult> {
    const o = this.options;
    const [b, h, w] = ctx.images.shape;
    const n = h * w;
    const erased = sampleErased(ctx.rng, b, o.probability);
    const selected = erased.flatMap((e, i) => (e ? [i] : []));
    const attention = o.anchors === 'attention' && selected.length > 0 ? await attentionOf(ctx.model, ctx.images, selected) : null;
    const keep = new Float32Array(b * n).fill(1);
    const perImage: SfeImageParams[] = erased.map(() => ({ erased: false, blocks: [] }));
    selected.forEach((i, j) => {
      const state = { height: h, width: w, keep: keep.subarray(i * n, (i + 1) * n), used: new Uint8Array(n) };
      const blocks = placeSfeBlocks(state, attention ? attention.subarray(j * n, (j + 1) * n) : null, o.blocks, o, ctx.rng);
      perImage[i] = { erased: true, blocks };
    });
    const out = eraseWithMask(ctx.images, keep, o.fill, ctx.rng, ctx.normalization);
    return { ...out, params: { method: this.name, perImage, geometry: o.geometry, anchors: o.anchors } };
  }
}

/** FAM values of the selected images, `selected.length · H · W`, computed on those images only. */
async function attentionOf(model: ModelHandle, images: tf.Tensor4D, selected: readonly number[]): Promise<Float32Array> {
  const fam = tf.tidy(() => {
    const subset = selected.length === images.shape[0] ? images : tf.gather(images, selected);
    return forgeryAttentionMap(model, subset);
  });
  const values = (await fam.data()) as Float32Array;
  fam.dispose();
  return values;
}
