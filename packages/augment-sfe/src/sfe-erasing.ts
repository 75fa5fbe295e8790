/**
 * Suspicious Forgeries Erasing (Wang & Deng, CVPR 2021, §3.2 and Algorithm 1) as an augmentation
 * plugin: per image, occlude the Top-N most sensitive regions of its Forgery Attention Map.
 *
 * @packageDocumentation
 */
import { forgeryAttentionValues } from '@rfm/attention';
import { BaseErasing, type AugmentContext, type KeepMask } from '@rfm/core';
import { placeSfeBlocks, type SfeImageParams, type SfeImageState } from './block-sampler.js';
import { resolveSfeOptions, type ResolvedSfeOptions, type SfeOptions } from './sfe-options.js';

/**
 * SFE: for each image selected with probability p, compute its Forgery Attention Map with the
 * current weights (inference mode), then place N blocks at the most sensitive pixels not yet
 * covered, and fill the covered pixels (by default with U[-1, 1) noise in normalised space).
 * Real and fake images are both erased; labels are unchanged (spec §2.5). The Bernoulli draw, the
 * keep-mask, the fill and `params` come from core's `BaseErasing`.
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
export class SuspiciousForgeriesErasing extends BaseErasing<SfeImageParams, ResolvedSfeOptions> {
  /** Plugin name. */
  readonly name: string = 'sfe';

  /**
   * @param options - see {@link SfeOptions}; defaults are the paper's
   * @throws `InvalidOptionError` for an out-of-range option
   */
  constructor(options: SfeOptions = {}) {
    super(resolveSfeOptions(options));
  }

  /**
   * Places the N blocks of every selected image at the top of its FAM (computed on the selected
   * images only) or at random pixels (`anchors: 'random'`).
   *
   * @param ctx - the batch; `images`, `model` and `rng` are read
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - the keep-mask the blocks are erased into
   */
  protected async sampleRegions(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): Promise<SfeImageParams[]> {
    const state = (i: number): SfeImageState => ({ height: keep.height, width: keep.width, keep: keep.image(i), used: new Uint8Array(keep.pixels) });
    return sampleSfeBlocks(ctx, selected, this.options.blocks, this.options, state);
  }

  /** `geometry` and `anchors`, recorded with every batch. */
  protected override extraParams(): Record<string, unknown> {
    return { geometry: this.options.geometry, anchors: this.options.anchors };
  }
}

/**
 * Places `count` blocks on every selected image at the top of its Forgery Attention Map (computed
 * on the selected images only, with `ctx.model`), or at random uncovered pixels with
 * `anchors: 'random'`, erasing them into each image's state. SFE places all N blocks at once;
 * progressive SFE calls it once per round with `count` 1 on the current, erased batch.
 *
 * @param ctx - the batch; `images`, `model` and `rng` are read
 * @param selected - the Bernoulli(p) draw of each image
 * @param count - blocks per selected image
 * @param options - resolved SFE options
 * @param stateOf - the erasing state of image `i` (its keep-mask view and used anchors)
 * @returns one record per image: `{ erased: true, blocks }` for selected images, `{ erased: false, blocks: [] }` otherwise
 */
export async function sampleSfeBlocks(
  ctx: AugmentContext,
  selected: readonly boolean[],
  count: number,
  options: ResolvedSfeOptions,
  stateOf: (index: number) => SfeImageState,
): Promise<SfeImageParams[]> {
  const chosen = selected.flatMap((e, i) => (e ? [i] : []));
  const attention = options.anchors === 'attention' && chosen.length > 0 ? await forgeryAttentionValues(ctx.model, ctx.images, chosen) : null;
  const perImage: SfeImageParams[] = selected.map(() => ({ erased: false, blocks: [] }));
  chosen.forEach((i, j) => {
    const state = stateOf(i);
    const n = state.height * state.width;
    const blocks = placeSfeBlocks(state, attention ? attention.subarray(j * n, (j + 1) * n) : null, count, options, ctx.rng);
    perImage[i] = { erased: true, blocks };
  });
  return perImage;
}
