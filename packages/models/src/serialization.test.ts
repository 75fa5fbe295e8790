import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backbone, CheckpointError, createRng, LayersBackbone, loadBackbone, saveBackbone } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { backboneFromModel } from './load.js';
import { registerModelLayers } from './register-layers.js';
import { createBackbone } from './registry.js';

async function saveToMemory(backbone: Backbone): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await backbone.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

describe('save / load round trip', () => {
  it.each([
    ['xception', { inputSize: 71, widthMultiplier: 0.0625, middleBlocks: 1 }],
    ['xception', { inputSize: 72, widthMultiplier: 0.0625, middleBlocks: 1, poolPadding: 'same' }],
    ['xception', { inputSize: 71, widthMultiplier: 0.0625, middleBlocks: 1, batchNorm: 'layers' }],
    ['patch', { inputSize: 40, widthMultiplier: 0.125, cut: 3 }],
  ] as const)('%s %j loads back with identical outputs', async (name, options) => {
    const backbone = createBackbone(name, options, createRng(4));
    const x = tf.randomNormal([2, options.inputSize, options.inputSize, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    // move the BN statistics away from their initial values so that they must be saved too
    const warm = backbone.apply(x, true);
    tf.dispose([warm.featureMap, warm.logits]);
    const artifacts = await saveToMemory(backbone);
    const topology = JSON.stringify(artifacts.modelTopology);
    expect(topology.includes('RfmSymmetricMaxPooling2D')).toBe(backbone.config.options['poolPadding'] === 'symmetric');
    const fused = backbone.config.options['batchNorm'] === 'fused';
    expect(topology.includes('"class_name":"RfmBatchNormalization"')).toBe(fused);
    expect(topology.includes('"class_name":"BatchNormalization"')).toBe(!fused);

    const dir = mkdtempSync(join(tmpdir(), 'rfm-serial-'));
    await saveBackbone(backbone as LayersBackbone, join(dir, 'model'));
    const before = tf.memory().numTensors;
    // core's one loader: the layers of this package are registered by importing it
    const loaded = await loadBackbone(join(dir, 'model'));
    rmSync(dir, { recursive: true, force: true });
    expect(loaded.countParams()).toEqual(backbone.countParams());
    const a = backbone.apply(x, false);
    const b = loaded.apply(x, false);
    expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
    expect(Array.from(b.featureMap.dataSync())).toEqual(Array.from(a.featureMap.dataSync()));
    tf.dispose([a.logits, a.featureMap, b.logits, b.featureMap]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    backbone.dispose();
  });

  it("weights saved from a 'layers' Xception load into a fused one by name (checkpoints line up)", async () => {
    const options = { inputSize: 71, widthMultiplier: 0.0625, middleBlocks: 1 } as const;
    const stock = createBackbone('xception', { ...options, batchNorm: 'layers' }, createRng(6));
    const x = tf.randomNormal([2, 71, 71, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const warm = stock.apply(x, true);
    tf.dispose([warm.featureMap, warm.logits]);
    const artifacts = await saveToMemory(stock);
    const fused = createBackbone('xception', options, createRng(7));
    const named = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    expect(Object.keys(named)).toEqual(fused.model.weights.map((w) => w.originalName));
    fused.model.setWeights(fused.model.weights.map((w) => named[w.originalName]!));
    const a = stock.apply(x, false);
    const b = fused.apply(x, false);
    // Same weights, same function: the fused inference batch norm folds (x - mean) / sqrt(var + eps)
    // * gamma + beta into one multiply-add per channel, so logits agree to float32 rounding only.
    const got = Array.from(b.logits.dataSync());
    const want = Array.from(a.logits.dataSync());
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[i]!)) + 1e-7));
    tf.dispose([x, a.logits, a.featureMap, b.logits, b.featureMap, ...Object.values(named)]);
    stock.dispose();
    fused.dispose();
  });

  it('plain tfl.loadLayersModel works after registerModelLayers, and bad artifacts raise CheckpointError', async () => {
    const backbone = createBackbone('patch', { inputSize: 24, widthMultiplier: 0.125, cut: 1 }, createRng(5));
    const artifacts = await saveToMemory(backbone);
    registerModelLayers();
    const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const wrapped = backboneFromModel(model, backbone.config);
    expect(wrapped.classifier().bias?.shape).toEqual([2]);
    wrapped.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'rfm-serial-'));
    await saveBackbone(backbone as LayersBackbone, join(dir, 'model'));
    const file = join(dir, 'model', 'model.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), modelTopology: { not: 'a model' } }));
    await expect(loadBackbone(join(dir, 'model'))).rejects.toThrow(CheckpointError);
    rmSync(dir, { recursive: true, force: true });
    backbone.dispose();
  });
});
