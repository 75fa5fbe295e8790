/**
 * Fixed, seeded self-blended fakes served through the `ImageStore` interface, so that `@rfm/data`'s
 * evaluation source can score them beside the reals they were made from.
 *
 * @packageDocumentation
 */
import { createRng, type Rng } from '@rfm/core';
import { ImageStore, type DatasetItem, type DecodedImage } from '@rfm/data';
import type { LandmarkCache } from './landmark-cache.js';
import { SBI_TECHNIQUE } from './sbi-batch-source.js';
import { selfBlend, type SelfBlendOptions, type SelfBlendParams } from './self-blend.js';

/** Path prefix of the virtual fake items {@link SelfBlendedStore.fakeItems} makes. */
export const SBI_PATH_PREFIX = 'sbi:';

/**
 * An image store that serves reals from a base store and, for the virtual items of
 * {@link SelfBlendedStore.fakeItems}, one self-blended fake per real, made once from a seed of its
 * own (drawn in item order from the store's generator) and then cached.
 */
export class SelfBlendedStore extends ImageStore {
  /** Synthesis parameters of each fake made so far, by fake id. */
  readonly params = new Map<string, SelfBlendParams>();
  private readonly seeds = new Map<string, number>();
  private readonly fakes = new Map<string, Promise<DecodedImage>>();
  private readonly byPath = new Map<string, DatasetItem>();

  /**
   * @param base - the store of the real images
   * @param landmarks - their landmarks (loader = `base`)
   * @param rng - draws one seed per fake
   * @param options - synthesis options
   */
  constructor(
    private readonly base: ImageStore,
    private readonly landmarks: LandmarkCache,
    private readonly rng: Rng,
    private readonly options: SelfBlendOptions = {},
  ) {
    super({ resize: [base.size[0], base.size[1]], cache: false });
  }

  /**
   * One virtual fake item per real (`id#sbi`, label 1, technique `sbi`, same group), in order;
   * its seed is drawn now.
   *
   * @param reals - real items with landmarks
   */
  fakeItems(reals: readonly DatasetItem[]): DatasetItem[] {
    return reals.map((r) => {
      const item: DatasetItem = { id: `${r.id}#${SBI_TECHNIQUE}`, path: `${SBI_PATH_PREFIX}${r.path}`, label: 1, technique: SBI_TECHNIQUE, ...(r.group ? { group: r.group } : {}) };
      this.seeds.set(item.path, this.rng.uint32());
      this.byPath.set(item.path, r);
      return item;
    });
  }

  override load(item: Pick<DatasetItem, 'path'>): Promise<DecodedImage> {
    const real = this.byPath.get(item.path);
    if (!real) return this.base.load(item);
    const hit = this.fakes.get(item.path);
    if (hit) return hit;
    const pending = (async () => {
      const [image, lm] = await Promise.all([this.base.load(real), this.landmarks.landmarks(real)]);
      if (!lm) throw new Error(`${real.id} has no landmarks; only faces with landmarks get a fake item`);
      const made = selfBlend(image, lm, createRng(this.seeds.get(item.path)!), this.options);
      this.params.set(`${real.id}#${SBI_TECHNIQUE}`, made.params);
      return made.fake;
    })();
    this.fakes.set(item.path, pending);
    return pending;
  }
}
