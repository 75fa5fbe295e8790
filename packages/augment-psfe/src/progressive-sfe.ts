/**
 * Progressive Suspicious Forgeries Erasing (paper §4.3; spec §2.13): erase the Top-1 sensitive
 * region, recompute the Forgery Attention Map of the erased image, and repeat N times.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseErasing, eraseWithMask, KeepMask, type AugmentContext, type ErasingOutcome } from '@rfm/core';
import { resolveSfeOptions, sampleSfeBlocks, type ResolvedSfeOptions, type SfeBlock, type SfeImageParams, type SfeImageState } from '@rfm/augment-sfe';
import type { PsfeOptions } from './psfe-options.js';

/**
 * PSFE: for each image selected with probability p, N rounds of (FAM of the current, already
 * erased image → one block at the most sensitive pixel that is neither covered nor a previous
 * anchor → fill the new block with fresh values). Costs N attention passes per iteration instead
 * of one; the paper found it no better than SFE (Table 2). The Bernoulli draw and `params` come
 * from core's `BaseErasing`; PSFE overrides `erase` (several rounds of fills) and `sampleRegions`
 * (one round).
 *
 * Assumption (spec §2.13, not stated in the paper): anchors inside earlier blocks are excluded,
 * since the recomputed map also responds to the fill noise.
 *
 * `params.perImage[i]` is `{ erased, blocks }` with one block per round, as in SFE.
 *
 * @example
 * ```ts
 * const psfe = new ProgressiveSfe({ maxHeight: 120 / 224, maxWidth: 120 / 224 });
 * const { images, mask, params } = await psfe.apply(ctx);
 * ```
 */
export class ProgressiveSfe extends BaseErasing<SfeImageParams, ResolvedSfeOptions> {
  /** Plugin name. */
  readonly name: string = 'psfe';
  /** Per-image state of the batch being erased (cumulative keep-mask views and used anchors). */
  private states = new Map<number, SfeImageState>();

  /**
   * @param options - see {@link PsfeOptions}; defaults are the paper's
   * @throws `InvalidOptionError` for an out-of-range option
   */
  constructor(options: PsfeOptions = {}) {
    super(resolveSfeOptions(options));
  }

  /**
   * One round: places one block per selected image at the top of the FAM of `ctx.images` (the
   * current, already erased batch) and erases it into `keep` (this round's mask). Returns the
   * block placed on each image (none when no pixel is left).
   *
   * @param ctx - the current batch
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - this round's keep-mask
   */
  protected async sampleRegions(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): Promise<SfeImageParams[]> {
    const placed = await sampleSfeBlocks(ctx, selected, 1, this.options, (i) => this.states.get(i)!);
    placed.forEach((p, i) => p.blocks.forEach((block) => keep.eraseRect(i, block)));
    return placed;
  }

  /**
   * N rounds of {@link sampleRegions} on the current batch, each followed by a fresh fill of its
   * new blocks; returns the cumulative keep-mask.
   *
   * @param ctx - the batch
   * @param selected - the Bernoulli(p) draw of each image
   * @param keep - the cumulative keep-mask
   */
  protected override async erase(ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask): Promise<ErasingOutcome<SfeImageParams>> {
    const o = this.options;
    const { batch, height, width } = keep;
    const chosen = selected.flatMap((e, i) => (e ? [i] : []));
    this.states = new Map(chosen.map((i) => [i, { height, width, keep: keep.image(i), used: new Uint8Array(keep.pixels) }]));
    const blocks = new Map<number, SfeBlock[]>(chosen.map((i) => [i, []]));
    let current = ctx.images;
    try {
      for (let round = 0; round < o.blocks && chosen.length > 0; round++) {
        const roundKeep = new KeepMask(batch, height, width);
        const placed = await this.sampleRegions({ ...ctx, images: current }, selected, roundKeep);
        let count = 0;
        for (const i of chosen) {
          blocks.get(i)!.push(...placed[i]!.blocks);
          count += placed[i]!.blocks.length;
        }
        if (count === 0) break;
        const next = eraseWithMask(current, roundKeep.values, o.fill, ctx.rng, ctx.normalization);
        next.mask.dispose();
        if (current !== ctx.images) current.dispose();
        current = next.images;
      }
    } finally {
      this.states.clear();
    }
    return {
      images: current === ctx.images ? tf.clone(current) : current,
      mask: tf.tensor4d(keep.values, [batch, height, width, 1]),
      perImage: selected.map((e, i) => ({ erased: e, blocks: blocks.get(i) ?? [] })),
    };
  }

  /** `geometry` and `anchors`, recorded with every batch. */
  protected override extraParams(): Record<string, unknown> {
    return { geometry: this.options.geometry, anchors: this.options.anchors };
  }
}
