import * as tf from '@tensorflow/tfjs-core';
import { forgeryAttentionMap } from '@rfm/attention';
import {
  AUGMENTATION,
  createModelHandle,
  createRng,
  DuplicateAugmentationError,
  inferenceHandle,
  InvalidOptionError,
  type Augmentation,
  type ModelHandle,
} from '@rfm/core';
import { createTestBackbone, createTestBatch, createTestContext, describeAugmentationContract } from '@rfm/core/testing';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import type { SfeImageParams } from './block-sampler.js';
import { SFE_DEFAULTS, SuspiciousForgeriesErasing as Sfe, registerSfe, resolveSfeOptions } from './index.js';

describeAugmentationContract('sfe', ({ probability }) => new Sfe({ probability, maxHeight: 120 / 224, maxWidth: 120 / 224 }));
describeAugmentationContract('sfe (random anchors, paper geometry)', ({ probability }) =>
  new Sfe({ probability, anchors: 'random', geometry: 'paper', maxHeight: 8, maxWidth: 8 }),
);

/** A cheap model whose logit gap is linear in the input: its FAM is |w| per pixel, whatever the image. */
function linearModel(size: number, weights: Float32Array): ModelHandle {
  const w = tf.tensor4d(weights, [1, size, size, 3]);
  return createModelHandle(
    (x) => {
      const gap = tf.sum(tf.mul(x, w), [1, 2, 3]);
      const logits = tf.stack([tf.zerosLike(gap), gap], 1);
      return { featureMap: x, logits };
    },
    () => {
      throw new Error('unused');
    },
    { outputKind: 'image', inputSize: size, numClasses: 2 },
  );
}

describe('SuspiciousForgeriesErasing', () => {
  it('validates its options with typed errors', () => {
    for (const bad of [
      { blocks: 0 },
      { blocks: 1.5 },
      { probability: -0.1 },
      { probability: 1.1 },
      { maxHeight: 0 },
      { maxWidth: 1.5 },
      { maxHeight: -3 },
      { geometry: 'square' },
      { anchors: 'cam' },
      { fill: 'zeros' },
    ]) {
      expect(() => new Sfe(bad as never), JSON.stringify(bad)).toThrow(InvalidOptionError);
    }
    expect(resolveSfeOptions({ blocks: undefined })).toEqual(SFE_DEFAULTS);
    expect(SFE_DEFAULTS).toMatchObject({ blocks: 3, probability: 1, maxHeight: 120, maxWidth: 120, geometry: 'code', fill: 'uniform', anchors: 'attention' });
  });

  it('places exactly N blocks per image at p = 1, none at p = 0, and erases about p of the images', async () => {
    const size = 16;
    const { images, labels } = createTestBatch({ batchSize: 16, size });
    const model = linearModel(size, createRng(1).fill(new Float32Array(size * size * 3), -1, 1));
    const count = async (probability: number, runs: number) => {
      let erased = 0;
      for (let seed = 0; seed < runs; seed++) {
        const r = await new Sfe({ probability, maxHeight: 4, maxWidth: 4 }).apply(createTestContext(images, labels, model, createRng(seed)));
        for (const p of r.params.perImage as SfeImageParams[]) {
          if (p.erased) {
            erased++;
            expect(p.blocks).toHaveLength(3);
          } else expect(p.blocks).toHaveLength(0);
        }
        tf.dispose([r.images, r.mask!]);
      }
      return erased / (runs * 16);
    };
    expect(await count(1, 3)).toBe(1);
    expect(await count(0, 3)).toBe(0);
    const share = await count(0.3, 40); // 640 images: standard error 0.018
    expect(Math.abs(share - 0.3)).toBeLessThan(0.07);
    tf.dispose([images, labels]);
  });

  it('anchors the first block at the FAM argmax of each image and erases exactly the blocks', async () => {
    const size = 32;
    const backbone = createTestBackbone(size);
    const model = inferenceHandle(backbone);
    const { images, labels } = createTestBatch({ batchSize: 4, size });
    const r = await new Sfe({ maxHeight: 120 / 224, maxWidth: 120 / 224 }).apply(createTestContext(images, labels, model, createRng(3)));
    const fam = forgeryAttentionMap(model, images);
    const famValues = fam.dataSync();
    const mask = r.mask!.dataSync();
    const out = r.images.dataSync();
    const input = images.dataSync();
    (r.params.perImage as SfeImageParams[]).forEach((p, i) => {
      const map = famValues.subarray(i * size * size, (i + 1) * size * size);
      let argmax = 0;
      map.forEach((v, k) => {
        if (v > map[argmax]!) argmax = k;
      });
      expect(p.blocks[0]!.anchor).toEqual([Math.floor(argmax / size), argmax % size]);
      let wrong = 0;
      for (let k = 0; k < size * size; k++) {
        const row = Math.floor(k / size);
        const col = k % size;
        const covered = p.blocks.some((b) => row >= b.top && row < b.bottom && col >= b.left && col < b.right);
        const at = i * size * size + k;
        if (mask[at] !== (covered ? 0 : 1)) wrong++;
        for (let c = 0; c < 3; c++) {
          const v = out[3 * at + c]!;
          if (covered ? v < -1 || v >= 1 : v !== input[3 * at + c]) wrong++;
        }
      }
      expect(wrong).toBe(0);
    });
    tf.dispose([images, labels, fam, r.images, r.mask!]);
    backbone.dispose();
  });

  it('computes the FAM only when anchors are attention-guided', async () => {
    const size = 8;
    const { images, labels } = createTestBatch({ batchSize: 2, size });
    let calls = 0;
    const inner = linearModel(size, new Float32Array(size * size * 3).fill(1));
    const model: ModelHandle = { ...inner, inputGradient: (x, o) => (calls++, inner.inputGradient(x, o)) };
    const ctx = () => createTestContext(images, labels, model, createRng(1));
    tf.dispose(Object.values(await new Sfe({ anchors: 'random', maxHeight: 2, maxWidth: 2 }).apply(ctx())).filter((v) => v instanceof tf.Tensor));
    expect(calls).toBe(0);
    tf.dispose(Object.values(await new Sfe({ maxHeight: 2, maxWidth: 2 }).apply(ctx())).filter((v) => v instanceof tf.Tensor));
    expect(calls).toBe(1);
    tf.dispose([images, labels]);
  });
});

describe('registerSfe', () => {
  it('registers once per container and refuses a clashing configuration', () => {
    const run = container.createChildContainer();
    expect(registerSfe(run)).toBe(true);
    expect(registerSfe(run, { blocks: 3 })).toBe(false);
    expect(() => registerSfe(run, { blocks: 1 })).toThrow(DuplicateAugmentationError);
    const plugins = run.resolveAll<Augmentation>(AUGMENTATION);
    expect(plugins).toHaveLength(1);
    expect(plugins[0]).toBeInstanceOf(Sfe);
    expect(plugins[0]!.name).toBe('sfe');
  });
});
