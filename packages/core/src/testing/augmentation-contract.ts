/**
 * The conformance suite every augmentation plugin runs: shape and dtype kept, labels untouched,
 * input not disposed, p = 0 is the identity, the same seed gives the same output, parameters are
 * JSON with one entry per image, and no tensor leaks.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Augmentation, AugmentResult } from '../augmentation.js';
import type { Backbone } from '../backbone.js';
import { inferenceHandle } from '../backbone.js';
import { createRng } from '../rng.js';
import { createTestBackbone, createTestBatch, createTestContext } from './fixtures.js';

/** Options of {@link describeAugmentationContract}. */
export interface ContractOptions {
  /** Batch size of the test batch. @default 4 */
  readonly batchSize?: number;
  /** Image side of the test batch and model. @default 32 */
  readonly size?: number;
  /**
   * Whether the plugin at p = 1 must change the batch for the given seed. Set false for methods
   * that may legitimately leave a batch unchanged. @default true
   */
  readonly changesAtP1?: boolean;
}

/** Builds a plugin with the given erasing probability (every other option at its default). */
export type AugmentationFactory = (overrides: { probability: number }) => Augmentation;

/**
 * Registers a vitest `describe` block checking the augmentation contract.
 *
 * @param name - label of the suite (usually the plugin name)
 * @param factory - builds the plugin with a given probability
 * @param options - batch size and expectations
 * @example
 * ```ts
 * describeAugmentationContract('sfe', ({ probability }) => new SuspiciousForgeriesErasing({ probability }));
 * ```
 */
export function describeAugmentationContract(
  name: string,
  factory: AugmentationFactory,
  options: ContractOptions = {},
): void {
  const size = options.size ?? 32;
  const batchSize = options.batchSize ?? 4;

  describe(`augmentation contract: ${name}`, () => {
    let backbone: Backbone;
    let images: tf.Tensor4D;
    let labels: tf.Tensor1D;

    beforeAll(() => {
      backbone = createTestBackbone(size);
      ({ images, labels } = createTestBatch({ batchSize, size }));
    });
    afterAll(() => {
      tf.dispose([images, labels]);
      backbone.dispose();
    });

    const run = async (probability: number, seed: number): Promise<AugmentResult> => {
      const plugin = factory({ probability });
      const ctx = createTestContext(images, labels, inferenceHandle(backbone), createRng(seed));
      if (plugin.setup) await plugin.setup({ inputSize: size, totalSteps: 1, logger: ctx.logger });
      const result = await plugin.apply(ctx);
      plugin.dispose?.();
      return result;
    };
    const release = (r: AugmentResult) => tf.dispose([r.images, ...(r.mask ? [r.mask] : [])]);

    it('keeps shape and dtype, leaves labels and the input intact', async () => {
      const labelsBefore = Array.from(labels.dataSync());
      const inputBefore = Array.from(images.dataSync());
      const r = await run(1, 1);
      expect(r.images.shape).toEqual(images.shape);
      expect(r.images.dtype).toBe('float32');
      expect(r.images).not.toBe(images);
      expect(images.isDisposed).toBe(false);
      expect(Array.from(labels.dataSync())).toEqual(labelsBefore);
      expect(Array.from(images.dataSync())).toEqual(inputBefore);
      if (r.mask) expect(r.mask.shape).toEqual([batchSize, size, size, 1]);
      release(r);
    });

    it('returns JSON parameters with one entry per image', async () => {
      const r = await run(1, 2);
      expect(r.params.method).toBe(factory({ probability: 1 }).name);
      expect(r.params.perImage).toHaveLength(batchSize);
      expect(JSON.parse(JSON.stringify(r.params))).toEqual(r.params);
      release(r);
    });

    it('is the identity at p = 0', async () => {
      const r = await run(0, 3);
      expect(Array.from(r.images.dataSync())).toEqual(Array.from(images.dataSync()));
      release(r);
    });

    if (options.changesAtP1 ?? true) {
      it('changes the batch at p = 1', async () => {
        const r = await run(1, 4);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(r.images, images))));
        expect(diff.dataSync()[0]).toBeGreaterThan(0);
        diff.dispose();
        release(r);
      });
    }

    it('gives the same output for the same seed and another for another seed', async () => {
      const a = await run(1, 5);
      const b = await run(1, 5);
      const c = await run(1, 6);
      expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
      expect(a.params).toEqual(b.params);
      if (options.changesAtP1 ?? true) {
        expect(Array.from(a.images.dataSync())).not.toEqual(Array.from(c.images.dataSync()));
      }
      [a, b, c].forEach(release);
    });

    it('leaks no tensors', async () => {
      await run(1, 7).then(release); // warm-up: lazily created kernels or constants
      const before = tf.memory().numTensors;
      release(await run(1, 8));
      release(await run(0.5, 9));
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
