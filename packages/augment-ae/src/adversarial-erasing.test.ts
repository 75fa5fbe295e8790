import * as tf from '@tensorflow/tfjs-core';
import { createModelHandle, createRng, InvalidOptionError, type ModelHandle } from '@rfm/core';
import { createTestContext } from '@rfm/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { AdversarialErasing, type AdversarialErasingImageParams } from './adversarial-erasing.js';
import { ADVERSARIAL_ERASING_DEFAULTS, resolveAdversarialErasingOptions } from './adversarial-erasing-options.js';

/**
 * A hand-set network on 8x8 inputs: the feature map is the input itself (K = 3 channels, so the CAM
 * needs no upsampling) and the head is GAP + dense with kernel columns real = channel 1,
 * fake = channel 0. So CAM_real = channel 1 and CAM_fake = channel 0 of the image.
 */
const kernel = tf.tensor2d([[0, 1], [1, 0], [0, 0]], [3, 2]);
const model: ModelHandle = createModelHandle(
  (x) => tf.tidy(() => ({ featureMap: tf.clone(x), logits: tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, kernel) })),
  () => ({ kernel, bias: null }),
  { inputSize: 8, outputKind: 'image', numClasses: 2 },
);

// Image 0 (real): channel 1 holds a permutation of 0..63, channel 0 its reverse. Image 1 (fake):
// channel 0 holds another permutation, channel 1 is constant. Channel 2 is noise the CAM ignores.
const rng = createRng(4);
const perm0 = rng.shuffle(Array.from({ length: 64 }, (_, i) => i));
const perm1 = rng.shuffle(Array.from({ length: 64 }, (_, i) => i));
const pixels: number[] = [];
for (let p = 0; p < 64; p++) pixels.push(63 - perm0[p]!, perm0[p]!, rng.uniform(-1, 1));
for (let p = 0; p < 64; p++) pixels.push(perm1[p]!, 5, rng.uniform(-1, 1));
const scaled = pixels.map((v) => v / 32 - 1); // any positive affine map keeps the ranking
const images = tf.tensor4d(scaled, [2, 8, 8, 3]);
const labels = tf.tensor1d([0, 1], 'int32');
afterAll(() => tf.dispose([kernel, images, labels]));

const ctx = (seed = 1) => createTestContext(images, labels, model, createRng(seed));
const erasedPixels = async (mask: tf.Tensor4D, image: number) =>
  Array.from((await mask.data()).subarray(image * 64, image * 64 + 64))
    .map((m, p) => (m === 0 ? p : -1))
    .filter((p) => p >= 0);
const topPixels = (values: number[], count: number) =>
  values.map((v, p) => [v, p] as const).filter(([v]) => v >= 64 - count).map(([, p]) => p);

describe('AdversarialErasing on a network with a known CAM', () => {
  it('erases exactly the top 20 % of the ground-truth-class CAM (13 of 64 pixels)', async () => {
    const ae = new AdversarialErasing();
    const r = await ae.apply(ctx());
    expect(await erasedPixels(r.mask!, 0)).toEqual(topPixels(perm0, 13));
    expect(await erasedPixels(r.mask!, 1)).toEqual(topPixels(perm1, 13));
    const params = r.params.perImage as AdversarialErasingImageParams[];
    expect(params.map((p) => [p.erased, p.pixels, p.camClass])).toEqual([[true, 13, 0], [true, 13, 1]]);
    expect(params[0]!.cutoff).toBeCloseTo(51 / 63, 5);
    // Kept pixels are untouched, erased ones hold U[-1, 1) noise.
    const out = await r.images.data();
    const keep = await r.mask!.data();
    let changedKept = 0;
    let outOfRange = 0;
    keep.forEach((m, p) => {
      for (let c = 0; c < 3; c++) {
        const v = out[p * 3 + c]!;
        if (m === 1 && v !== Math.fround(scaled[p * 3 + c]!)) changedKept++;
        if (m === 0 && (v < -1 || v >= 1)) outOfRange++;
      }
    });
    expect(changedKept).toBe(0);
    expect(outOfRange).toBe(0);
    tf.dispose([r.images, r.mask!]);
  });

  it('uses the fake-minus-real CAM when asked', async () => {
    const ae = new AdversarialErasing({ camClass: 'fake-minus-real', threshold: { kind: 'top-fraction', value: 0.25 } });
    const r = await ae.apply(ctx());
    // Image 0: channel 0 - channel 1 = 63 - 2·perm0, highest where perm0 is lowest.
    const low = perm0.map((v, p) => [v, p] as const).filter(([v]) => v < 16).map(([, p]) => p);
    expect(await erasedPixels(r.mask!, 0)).toEqual(low);
    expect(await erasedPixels(r.mask!, 1)).toEqual(topPixels(perm1, 16));
    expect((r.params.perImage as AdversarialErasingImageParams[])[0]!.camClass).toBe('fake-minus-real');
    tf.dispose([r.images, r.mask!]);
  });

  it('erases pixels above a fixed value of the normalised CAM', async () => {
    const ae = new AdversarialErasing({ threshold: { kind: 'value', value: 0.5 } });
    const r = await ae.apply(ctx());
    // Normalised value v/63 >= 0.5 for v >= 32: 32 pixels.
    expect(await erasedPixels(r.mask!, 1)).toEqual(topPixels(perm1, 32));
    tf.dispose([r.images, r.mask!]);
  });

  it('erases about p of the images and skips the model when no image is drawn', async () => {
    const ae = new AdversarialErasing({ probability: 0.5 });
    let erased = 0;
    for (let seed = 0; seed < 100; seed++) {
      const r = await ae.apply(ctx(seed));
      erased += (r.params.perImage as AdversarialErasingImageParams[]).filter((p) => p.erased).length;
      tf.dispose([r.images, r.mask!]);
    }
    expect(erased / 200).toBeGreaterThan(0.4);
    expect(erased / 200).toBeLessThan(0.6);
    const broken = createModelHandle(
      () => {
        throw new Error('forward must not run at p = 0');
      },
      () => ({ kernel, bias: null }),
      { inputSize: 8, outputKind: 'image', numClasses: 2 },
    );
    const r = await new AdversarialErasing({ probability: 0 }).apply(createTestContext(images, labels, broken, createRng(1)));
    expect(r.params.perImage).toEqual([
      { erased: false, cutoff: null, pixels: 0, camClass: 0 },
      { erased: false, cutoff: null, pixels: 0, camClass: 1 },
    ]);
    tf.dispose([r.images, r.mask!]);
  });

  it('leaks no tensors', async () => {
    const ae = new AdversarialErasing();
    const warm = await ae.apply(ctx());
    tf.dispose([warm.images, warm.mask!]);
    const before = tf.memory().numTensors;
    const r = await ae.apply(ctx(2));
    tf.dispose([r.images, r.mask!]);
    ae.activationMaps(model, images, [0, 1]).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('resolveAdversarialErasingOptions', () => {
  it('fills the assumed defaults', () => {
    expect(resolveAdversarialErasingOptions()).toEqual(ADVERSARIAL_ERASING_DEFAULTS);
    expect(ADVERSARIAL_ERASING_DEFAULTS).toEqual({
      probability: 1,
      threshold: { kind: 'top-fraction', value: 0.2 },
      camClass: 'label',
      fill: 'uniform',
    });
  });

  it.each([
    [{ probability: -0.1 }, 'probability'],
    [{ threshold: { kind: 'top', value: 0.2 } as never }, 'threshold'],
    [{ threshold: { kind: 'top-fraction', value: 0 } as const }, 'threshold.value'],
    [{ threshold: { kind: 'value', value: 1.5 } as const }, 'threshold.value'],
    [{ camClass: 'predicted' as never }, 'camClass'],
    [{ fill: -1 }, 'fill'],
  ])('rejects %j with an error naming %s', (options, option) => {
    try {
      resolveAdversarialErasingOptions(options);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe(option);
    }
  });
});
