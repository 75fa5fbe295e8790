import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { inferenceHandle, logitGap } from './backbone.js';
import { InvalidOptionError } from './errors.js';
import { isBatchNormLayer, RfmBatchNormalization } from './layers/fused-batch-normalization.js';
import type { LayersBackbone } from './layers-backbone.js';
import { loadBackbone, saveBackbone } from './model-io.js';
import { createRng } from './rng.js';
import { createSmallBackbone } from './small-backbone.js';

describe('small backbone', () => {
  it('produces [B,2] logits and a feature map, and input gradients without leaks', () => {
    const backbone = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(1));
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = backbone.apply(x, false);
    expect(out.logits.shape).toEqual([2, 2]);
    expect(out.featureMap.shape).toEqual([2, 8, 8, 16]);
    const g = inferenceHandle(backbone).inputGradient(x, (o) => logitGap(o.logits));
    expect(g.shape).toEqual([2, 32, 32, 3]);
    const peak = tf.tidy(() => tf.max(tf.abs(g)));
    expect(peak.arraySync()).toBeGreaterThan(0);
    peak.dispose();
    tf.dispose([x, out.logits, out.featureMap, g]);
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });

  it('adds pooled, channel-doubling blocks with depth, keeps the depth-2 layout by default, and saves and loads them', async () => {
    const two = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(1));
    const twoExplicit = createSmallBackbone({ inputSize: 32, width: 4, depth: 2 }, createRng(1));
    expect(twoExplicit.trainableWeights().map((w) => Array.from(w.dataSync()))).toEqual(two.trainableWeights().map((w) => Array.from(w.dataSync())));
    expect(two.config.options).toEqual({ width: 4, batchNorm: 'fused' });
    const four = createSmallBackbone({ inputSize: 32, width: 4, depth: 4 }, createRng(1));
    expect(four.config.options).toEqual({ width: 4, depth: 4, batchNorm: 'fused' });
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = four.apply(x, false);
    expect(out.featureMap.shape).toEqual([1, 2, 2, 64]);
    const dir = mkdtempSync(join(tmpdir(), 'rfm-small-depth-'));
    try {
      await saveBackbone(four as LayersBackbone, dir);
      const loaded = await loadBackbone(dir);
      const again = loaded.apply(x, false);
      expect(Array.from(again.logits.dataSync())).toEqual(Array.from(out.logits.dataSync()));
      tf.dispose([again.logits, again.featureMap]);
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    tf.dispose([x, out.logits, out.featureMap]);
    expect(() => createSmallBackbone({ inputSize: 32, depth: 0 }, createRng(1))).toThrow(InvalidOptionError);
    for (const b of [two, twoExplicit, four]) b.dispose();
  });

  it('is reproducible from the seed', () => {
    const a = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(7));
    const b = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(7));
    const wa = a.trainableWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.trainableWeights().map((w) => Array.from(w.dataSync()));
    expect(wa).toEqual(wb);
    a.dispose();
    b.dispose();
  });

  it('rejects a bad input size or batch-norm kind with a typed error', () => {
    expect(() => createSmallBackbone({ inputSize: 3 }, createRng(1))).toThrow(InvalidOptionError);
    expect(() => createSmallBackbone({ batchNorm: 'native' as never }, createRng(1))).toThrow(/batchNorm/);
  });

  it("uses the fused batch norm by default, tfjs-layers' with batchNorm 'layers', with the same weights", () => {
    const fused = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(7));
    const stock = createSmallBackbone({ inputSize: 16, width: 2, batchNorm: 'layers', numClasses: undefined }, createRng(7));
    expect(fused.config.options).toEqual({ width: 2, batchNorm: 'fused' });
    expect(fused.model.layers.filter(isBatchNormLayer).every((l) => l instanceof RfmBatchNormalization)).toBe(true);
    expect(stock.model.layers.filter(isBatchNormLayer).map((l) => l.getClassName())).toEqual(Array(3).fill('BatchNormalization'));
    expect(stock.model.weights.map((w) => w.originalName)).toEqual(fused.model.weights.map((w) => w.originalName));
    expect(stock.countParams()).toEqual(fused.countParams());
    fused.dispose();
    stock.dispose();
  });

  it('saves and loads back with core alone (loadBackbone registers the fused layer)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfm-small-'));
    const backbone = createSmallBackbone({ inputSize: 16, width: 2 }, createRng(8)) as LayersBackbone;
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const warm = backbone.apply(x, true);
    tf.dispose([warm.logits, warm.featureMap]);
    try {
      await saveBackbone(backbone, join(dir, 'model'));
      const loaded = await loadBackbone(join(dir, 'model'));
      expect(loaded.model.layers.filter((l) => l instanceof RfmBatchNormalization)).toHaveLength(3);
      const a = backbone.apply(x, false);
      const b = loaded.apply(x, false);
      expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
      tf.dispose([a.logits, a.featureMap, b.logits, b.featureMap]);
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      x.dispose();
      backbone.dispose();
    }
  });
});
