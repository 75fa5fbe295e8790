import * as tf from '@tensorflow/tfjs-core';
import { createRng, eraseRect, inferenceHandle, InvalidOptionError, type Backbone } from '@rfm/core';
import { createTestBackbone, createTestBatch, createTestContext } from '@rfm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomErasing, type RandomErasingImageParams } from './random-erasing.js';
import { RANDOM_ERASING_DEFAULTS, resolveRandomErasingOptions } from './random-erasing-options.js';

describe('RandomErasing', () => {
  let backbone: Backbone;
  let images: tf.Tensor4D;
  let labels: tf.Tensor1D;
  beforeAll(() => {
    backbone = createTestBackbone(16);
    ({ images, labels } = createTestBatch({ batchSize: 64, size: 16 }));
  });
  afterAll(() => {
    tf.dispose([images, labels]);
    backbone.dispose();
  });
  const ctx = (seed: number) => createTestContext(images, labels, inferenceHandle(backbone), createRng(seed));

  it('erases about p of the images', async () => {
    const re = new RandomErasing();
    let erased = 0;
    let total = 0;
    for (let seed = 0; seed < 10; seed++) {
      const r = await re.apply(ctx(seed));
      const perImage = r.params.perImage as RandomErasingImageParams[];
      erased += perImage.filter((p) => p.erased).length;
      total += perImage.length;
      tf.dispose([r.images, r.mask!]);
    }
    // 640 Bernoulli(0.5) draws: standard error 2 %.
    expect(erased / total).toBeGreaterThan(0.43);
    expect(erased / total).toBeLessThan(0.57);
  });

  it('erases exactly the recorded rectangles with the fill and keeps every other pixel', async () => {
    const re = new RandomErasing({ probability: 1, count: 2, fill: 'mean' });
    const r = await re.apply(ctx(3));
    const perImage = r.params.perImage as RandomErasingImageParams[];
    const keep = new Float32Array(64 * 16 * 16).fill(1);
    perImage.forEach((p, i) => p.rects.forEach((rect) => eraseRect(keep, i, 16, 16, rect)));
    expect(Array.from(await r.mask!.data())).toEqual(Array.from(keep));
    const out = await r.images.data();
    const input = await images.data();
    let wrong = 0;
    for (let px = 0; px < keep.length; px++) {
      for (let c = 0; c < 3; c++) {
        // 'mean' is 0 in normalised space.
        if (out[px * 3 + c] !== (keep[px] === 1 ? input[px * 3 + c] : 0)) wrong++;
      }
    }
    expect(keep.includes(0)).toBe(true);
    expect(wrong).toBe(0);
    expect(perImage.every((p) => p.erased && p.rects.length === 2 && p.attempts >= 2)).toBe(true);
    tf.dispose([r.images, r.mask!]);
  });

  it('fills with U[-1, 1) noise by default', async () => {
    const r = await new RandomErasing({ probability: 1 }).apply(ctx(4));
    const mask = await r.mask!.data();
    const out = await r.images.data();
    const filled: number[] = [];
    mask.forEach((m, px) => {
      if (m === 0) for (let c = 0; c < 3; c++) filled.push(out[px * 3 + c]!);
    });
    expect(filled.length).toBeGreaterThan(100);
    expect(Math.min(...filled)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...filled)).toBeLessThan(1);
    expect(new Set(filled).size).toBeGreaterThan(filled.length / 2);
    tf.dispose([r.images, r.mask!]);
  });

  it('records non-erased images with no rectangles', async () => {
    const r = await new RandomErasing({ probability: 0.5 }).apply(ctx(8));
    for (const p of r.params.perImage as RandomErasingImageParams[]) {
      if (!p.erased) expect(p).toEqual({ erased: false, rects: [], attempts: 0 });
    }
    tf.dispose([r.images, r.mask!]);
  });
});

describe('resolveRandomErasingOptions', () => {
  it('fills the paper defaults', () => {
    expect(resolveRandomErasingOptions()).toEqual(RANDOM_ERASING_DEFAULTS);
    expect(RANDOM_ERASING_DEFAULTS).toMatchObject({ probability: 0.5, area: [0.02, 0.4], maxAttempts: 100, count: 1, fill: 'uniform' });
    expect(RANDOM_ERASING_DEFAULTS.aspectRatio[1]).toBeCloseTo(1 / 0.3, 12);
    expect(resolveRandomErasingOptions({ probability: undefined }).probability).toBe(0.5);
  });

  it.each([
    [{ probability: 1.5 }, 'probability'],
    [{ probability: Number.NaN }, 'probability'],
    [{ area: [0.5, 0.2] as const }, 'area'],
    [{ area: [0, 0.2] as const }, 'area'],
    [{ area: [0.1, 1.2] as const }, 'area'],
    [{ aspectRatio: [-1, 2] as const }, 'aspectRatio'],
    [{ aspectRatio: [0.3] as unknown as [number, number] }, 'aspectRatio'],
    [{ aspectSampling: 'normal' as never }, 'aspectSampling'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ count: 1.5 }, 'count'],
    [{ fill: 'random' as never }, 'fill'],
    [{ fill: 300 }, 'fill'],
  ])('rejects %j with an error naming %s', (options, option) => {
    try {
      resolveRandomErasingOptions(options);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe(option);
    }
  });
});
