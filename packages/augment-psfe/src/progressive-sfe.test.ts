import * as tf from '@tensorflow/tfjs-core';
import { SuspiciousForgeriesErasing, type SfeImageParams } from '@rfm/augment-sfe';
import { AUGMENTATION, createModelHandle, createRng, DuplicateAugmentationError, InvalidOptionError, type Augmentation, type ModelHandle } from '@rfm/core';
import { createTestBatch, createTestContext, describeAugmentationContract } from '@rfm/core/testing';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ProgressiveSfe, PSFE_DEFAULTS, registerPsfe } from './index.js';

describeAugmentationContract('psfe', ({ probability }) => new ProgressiveSfe({ probability, maxHeight: 120 / 224, maxWidth: 120 / 224 }));

const size = 8;
const A = [1, 1] as const;
const G = [0, 0] as const; // every paper-geometry block anchored at A covers the pixel above-left of it
const B = [6, 6] as const;
const C = [1, 6] as const;
const at = ([r, c]: readonly [number, number]) => (r * size + c) * 3; // channel 0

/**
 * A model whose attention moves once A's block is erased: gap = 5·a + b·g² + 2·c on channel 0 of
 * pixels A, G, B, C. With g = 2, b = 0 the FAM ranks A (5) > B (g² = 4) > C (2), G being 0; the
 * block at A covers G, whose fill noise lies in [-1, 1), so B's attention drops below 1 and C
 * comes second.
 */
function movingModel(counter: { calls: number }): ModelHandle {
  const handle = createModelHandle(
    (x) => {
      const flat = tf.reshape(x, [x.shape[0], -1]);
      const [a, g, b, c] = tf.split(tf.gather(flat, [at(A), at(G), at(B), at(C)], 1), 4, 1) as tf.Tensor[];
      const gap = tf.reshape(tf.addN([tf.mul(5, a!), tf.mul(b!, tf.square(g!)), tf.mul(2, c!)]), [-1]);
      return { featureMap: x, logits: tf.stack([tf.zerosLike(gap), gap], 1) };
    },
    () => {
      throw new Error('unused');
    },
    { outputKind: 'image', inputSize: size, numClasses: 2 },
  );
  return { ...handle, inputGradient: (x, o) => (counter.calls++, handle.inputGradient(x, o)) };
}

function movingBatch(): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const values = createRng(1).fill(new Float32Array(2 * size * size * 3), -0.5, 0.5);
  for (let i = 0; i < 2; i++) {
    values[i * size * size * 3 + at(G)] = 2;
    values[i * size * size * 3 + at(B)] = 0;
  }
  return { images: tf.tensor4d(values, [2, size, size, 3]), labels: tf.tensor1d([0, 1], 'int32') };
}

describe('ProgressiveSfe', () => {
  const options = { blocks: 2, maxHeight: 2, maxWidth: 2, geometry: 'paper' } as const;

  it('recomputes the FAM between rounds, so its second anchor differs from SFE', async () => {
    const { images, labels } = movingBatch();
    const counter = { calls: 0 };
    const model = movingModel(counter);
    const sfe = await new SuspiciousForgeriesErasing(options).apply(createTestContext(images, labels, model, createRng(2)));
    expect(counter.calls).toBe(1);
    counter.calls = 0;
    const psfe = await new ProgressiveSfe(options).apply(createTestContext(images, labels, model, createRng(2)));
    expect(counter.calls).toBe(2);
    for (const i of [0, 1]) {
      const s = (sfe.params.perImage as SfeImageParams[])[i]!.blocks;
      const p = (psfe.params.perImage as SfeImageParams[])[i]!.blocks;
      expect(s.map((b) => b.anchor)).toEqual([A, B]);
      expect(p.map((b) => b.anchor)).toEqual([A, C]);
    }
    tf.dispose([images, labels, sfe.images, sfe.mask!, psfe.images, psfe.mask!]);
  });

  it('places one block per round, erases exactly the mask and keeps the rest', async () => {
    const { images, labels } = createTestBatch({ batchSize: 4, size: 16 });
    // A constant-gradient model suffices here.
    const linear = createModelHandle(
      (x) => {
        const gap = tf.sum(x, [1, 2, 3]);
        return { featureMap: x, logits: tf.stack([tf.zerosLike(gap), gap], 1) };
      },
      () => {
        throw new Error('unused');
      },
      { outputKind: 'image', inputSize: 16, numClasses: 2 },
    );
    const r = await new ProgressiveSfe({ blocks: 4, maxHeight: 5, maxWidth: 5 }).apply(createTestContext(images, labels, linear, createRng(3)));
    const mask = r.mask!.dataSync();
    const out = r.images.dataSync();
    const input = images.dataSync();
    let wrong = 0;
    (r.params.perImage as SfeImageParams[]).forEach((p, i) => {
      expect(p.erased).toBe(true);
      expect(p.blocks).toHaveLength(4);
      for (let k = 0; k < 256; k++) {
        const [row, col] = [Math.floor(k / 16), k % 16];
        const covered = p.blocks.some((b) => row >= b.top && row < b.bottom && col >= b.left && col < b.right);
        if (mask[i * 256 + k] !== (covered ? 0 : 1)) wrong++;
        for (let c = 0; c < 3; c++) {
          const v = out[3 * (i * 256 + k) + c]!;
          if (covered ? v < -1 || v >= 1 : v !== input[3 * (i * 256 + k) + c]) wrong++;
        }
      }
    });
    expect(wrong).toBe(0);
    tf.dispose([images, labels, r.images, r.mask!]);
  });

  it('erases about p of the images and skips the attention passes when none is selected', async () => {
    const { images, labels } = movingBatch();
    const counter = { calls: 0 };
    const model = movingModel(counter);
    let erased = 0;
    for (let seed = 0; seed < 100; seed++) {
      const r = await new ProgressiveSfe({ ...options, probability: 0.5 }).apply(createTestContext(images, labels, model, createRng(seed)));
      for (const p of r.params.perImage as SfeImageParams[]) {
        if (p.erased) erased++;
        expect(p.blocks).toHaveLength(p.erased ? 2 : 0);
      }
      tf.dispose([r.images, r.mask!]);
    }
    expect(Math.abs(erased / 200 - 0.5)).toBeLessThan(0.12);
    counter.calls = 0;
    const none = await new ProgressiveSfe({ probability: 0 }).apply(createTestContext(images, labels, model, createRng(1)));
    expect(counter.calls).toBe(0);
    tf.dispose([images, labels, none.images, none.mask!]);
  });

  it('shares SFE options and validation, and registers idempotently', () => {
    expect(PSFE_DEFAULTS).toMatchObject({ blocks: 3, probability: 1, maxHeight: 120, maxWidth: 120, geometry: 'code', anchors: 'attention' });
    expect(() => new ProgressiveSfe({ blocks: 0 })).toThrow(InvalidOptionError);
    const run = container.createChildContainer();
    expect(registerPsfe(run)).toBe(true);
    expect(registerPsfe(run)).toBe(false);
    expect(() => registerPsfe(run, { probability: 0.5 })).toThrow(DuplicateAugmentationError);
    const plugins = run.resolveAll<Augmentation>(AUGMENTATION);
    expect(plugins.map((p) => p.name)).toEqual(['psfe']);
  });
});
