import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { startAugmentation } from './augment-context.js';
import type { AugmentContext, SetupContext } from './augmentation.js';
import { BaseErasing, KeepMask } from './erasing-base.js';
import { createRng } from './rng.js';
import { createTestBackbone, createTestBatch, inferenceHandle } from './testing/fixtures.js';

/** Erases the top-left 2x2 corner of each selected image; counts setup calls. */
class CornerErasing extends BaseErasing<{ erased: boolean }> {
  readonly name = 'corner';
  setups: SetupContext[] = [];
  constructor(probability: number) {
    super({ probability, fill: 'mean' });
  }
  setup(ctx: SetupContext): void {
    this.setups.push(ctx);
  }
  protected sampleRegions(_ctx: AugmentContext, selected: readonly boolean[], keep: KeepMask) {
    return selected.map((erased, i) => {
      if (erased) keep.eraseRect(i, { top: 0, bottom: 2, left: 0, right: 2 });
      return { erased };
    });
  }
  protected override extraParams() {
    return { corner: 2 };
  }
}

describe('BaseErasing', () => {
  it('draws Bernoulli(p) per image, erases the sampled regions with the fill and assembles params', async () => {
    const backbone = createTestBackbone(16);
    const { images, labels } = createTestBatch({ batchSize: 6, size: 16 });
    const plugin = new CornerErasing(0.5);
    const started = await startAugmentation(plugin, { model: inferenceHandle(backbone), rng: createRng(4) }, 16);
    expect(plugin.setups).toHaveLength(1);
    expect(plugin.setups[0]!.inputSize).toBe(16);
    const before = tf.memory().numTensors;
    const out = await started.apply(images, labels);
    const erased = (out.params.perImage as { erased: boolean }[]).map((p) => p.erased);
    // The same generator draws the same six Bernoulli(0.5) values first.
    const draws = createRng(4);
    const expected = Array.from({ length: 6 }, () => draws.next() < 0.5);
    expect(erased).toEqual(expected);
    expect(erased.some(Boolean) && !erased.every(Boolean)).toBe(true);
    expect(out.params).toMatchObject({ method: 'corner', corner: 2 });
    const [x, y, m] = [images.arraySync(), out.images.arraySync(), out.mask!.arraySync()];
    for (let i = 0; i < 6; i++) {
      expect(m[i]![0]![0]![0]).toBe(erased[i] ? 0 : 1);
      expect(m[i]![3]![3]![0]).toBe(1);
      expect(y[i]![0]![0]).toEqual(erased[i] ? [0, 0, 0] : x[i]![0]![0]); // 'mean' fill is 0 in normalised space
      expect(y[i]![3]![3]).toEqual(x[i]![3]![3]);
    }
    tf.dispose([out.images, out.mask!]);
    expect(tf.memory().numTensors).toBe(before);
    started.dispose();
    tf.dispose([images, labels]);
    backbone.dispose();
  });

  it('KeepMask erases clipped rectangles per image', () => {
    const keep = new KeepMask(2, 3, 3);
    keep.eraseRect(1, { top: -1, bottom: 1, left: 2, right: 9 });
    expect(Array.from(keep.image(0))).toEqual(new Array(9).fill(1));
    expect(Array.from(keep.image(1))).toEqual([1, 1, 0, 1, 1, 1, 1, 1, 1]);
  });
});
