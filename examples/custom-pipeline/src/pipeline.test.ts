import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runCustomPipeline } from './pipeline.js';

describe('custom-pipeline example', () => {
  it('trains with re -> band -> sfe and reports what each plugin did to a batch, without leaks', async () => {
    const data = fileURLToPath(new URL('../../../data/ffhq-stylegan2', import.meta.url));
    const before = tf.memory().numTensors;
    const { order, effects } = await runCustomPipeline({ data, size: 24, iterations: 2, seed: 1 });
    expect(order).toEqual(['re', 'band', 'sfe']);
    expect(effects.map((e) => e.plugin)).toEqual(['re', 'band', 'sfe']);
    for (const e of effects) {
      // Every plugin runs with probability 1: all 8 images erased, some but not all pixels.
      expect(e.erasedImages, e.plugin).toBe(8);
      expect(e.erasedPixels, e.plugin).toBeGreaterThan(0);
      expect(e.erasedPixels, e.plugin).toBeLessThan(0.8);
      expect(e.changedPixels, e.plugin).toBeGreaterThan(0);
    }
    // The band is a sixth of the rows (4 of 24) across the full width.
    expect(effects[1]!.erasedPixels).toBeCloseTo(4 / 24, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});
