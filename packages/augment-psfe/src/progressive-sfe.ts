/**
 * Progressive Suspicious Forgeries Erasing (paper §4.3; spec §2.13): erase the Top-1 sensitive
 * region, recompute the Forgery Attention Map of the erased image, and repeat N times.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { forgeryAttentionMap } from '@rfm/attention';
import {
  eraseRect,
  eraseWithMask,
  sampleErased,
  type Augmentation,
  type AugmentContext,
  type AugmentResult,
  type ModelHandle,
} from '@rfm/core';
import { placeSfeBlocks, resolveSfeOptions, type ResolvedSfeOptions, type SfeBlock, type SfeImageState } from '@rfm/augment-sfe';
import type { PsfeOptions } from './psfe-options.js';

/**
 * PSFE: for each image selected with probability p, N rounds of (FAM of the current, already
 * erased image → one block at the most sensitive pixel that is neither covered nor a previous
 * anchor → fill the new block with fresh values). Costs N attention passes per iteration instead
 * of one; the paper found it no better than SFE (Table 2).
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
export class ProgressiveSfe implements Augmentation {
  /** Plugin name. */
  readonly name: string = 'psfe';
  /** The validated options. */
  readonly options: ResolvedSfeOptions;

  /**
   * @param options - see {@link PsfeOptions}; defaults are the paper's
   * @throws `InvalidOptionError` for an out-of-range option
   */
  constructor(options: PsfeOptions = {}) {
    this.options = resolveSfeOptions(options);
  }

  /**
   * Erases the batch progressively. Returns a new batch, the cumulative `[B, H, W, 1]` keep-mask
   * (1 = kept) and the blocks.
   *
   * @param ctx - the trainer's context; only `images`, `model`, `rng` and `normalization` are read
   */
  async apply(ctx: AugmentContext): Promise<AugmentResult> {
    const o = this.options;
    const [b, h, w] = ctx.images.shape;
    const n = h * w;
    const erased = sampleErased(ctx.rng, b, o.probability);
    const selected = erased.flatMap((e, i) => (e ? [i] : []));
    const keep = new Float32Array(b * n).fill(1);
    const states: SfeImageState[] = selected.map((i) => ({ height: h, width: w, keep: keep.subarray(i * n, (i + 1) * n), used: new Uint8Array(n) }));
    const blocks: SfeBlock[][] = selected.map(() => []);
    let current = ctx.images;
    for (let round = 0; round < o.blocks && selected.length > 0; round++) {
      const attention = o.anchors === 'attention' ? await attentionOf(ctx.model, current, selected) : null;
      const roundKeep = new Float32Array(b * n).fill(1);
      let placed = 0;
      selected.forEach((i, j) => {
        const map = attention ? attention.subarray(j * n, (j + 1) * n) : null;
        for (const block of placeSfeBlocks(states[j]!, map, 1, o, ctx.rng)) {
          eraseRect(roundKeep, i, h, w, block);
          blocks[j]!.push(block);
          placed++;
        }
      });
      if (placed === 0) break;
      const next = eraseWithMask(current, roundKeep, o.fill, ctx.rng, ctx.normalization);
      next.mask.dispose();
      if (current !== ctx.images) current.dispose();
      current = next.images;
    }
    const perImage = erased.map((e) => ({ erased: e, blocks: [] as SfeBlock[] }));
    selected.forEach((i, j) => (perImage[i]!.blocks = blocks[j]!));
    return {
      images: current === ctx.images ? tf.clone(current) : current,
      mask: tf.tensor4d(keep, [b, h, w, 1]),
      params: { method: this.name, perImage, geometry: o.geometry, anchors: o.anchors },
    };
  }
}

/** FAM values of the selected images of the current batch, `selected.length · H · W`. */
async function attentionOf(model: ModelHandle, images: tf.Tensor4D, selected: readonly number[]): Promise<Float32Array> {
  const fam = tf.tidy(() => {
    const subset = selected.length === images.shape[0] ? images : tf.gather(images, selected);
    return forgeryAttentionMap(model, subset);
  });
  const values = (await fam.data()) as Float32Array;
  fam.dispose();
  return values;
}
