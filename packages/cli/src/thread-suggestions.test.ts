import { ONE_THREAD_MAX_MULTIPLY_ADDS, WASM_THREADS_MIN_MULTIPLY_ADDS } from '@rfm/backend';
import { backboneMultiplyAdds } from '@rfm/models';
import { describe, expect, it } from 'vitest';
import { inferenceThreadsSuggestion, modelThreadsSuggestion } from './thread-suggestions.js';
import { PRESETS, type PresetName } from './train-config.js';

const run = (preset: PresetName, changes: { backbone?: string; backboneOptions?: object; size?: number; batch?: number } = {}) => {
  const p = PRESETS[preset];
  return {
    backbone: changes.backbone ?? p.backbone,
    backboneOptions: { ...(changes.backboneOptions ?? p.backboneOptions), inputSize: changes.size ?? p.size },
    batch: changes.batch ?? p.batch,
  };
};

describe('modelThreadsSuggestion', () => {
  it("gives tensorflow one thread for the quick preset's model and Xception width 0.25 at 128 px, and wasm none, saying why", () => {
    expect(modelThreadsSuggestion(run('quick'), 2)).toEqual({ tensorflow: { threads: 1, reason: 'the choice for a small model (0.10 G multiply-adds per batch)' } });
    expect(modelThreadsSuggestion(run('quick', { backbone: 'xception', backboneOptions: { widthMultiplier: 0.25 }, size: 128 }), 2)).toEqual({
      tensorflow: { threads: 1, reason: 'the choice for a small model (1.6 G multiply-adds per batch)' },
    });
  });

  it("gives wasm one thread per core for the paper preset's model, and tensorflow none", () => {
    expect(modelThreadsSuggestion(run('paper'), 2)).toEqual({ wasm: { threads: 2, reason: 'one per core, the choice for a large model (73 G multiply-adds per batch)' } });
    expect(modelThreadsSuggestion(run('paper'), 6).wasm?.threads).toBe(6);
    expect(modelThreadsSuggestion(run('paper'), 1)).toEqual({});
  });

  it('moves each backend across its measured crossing with the batch', () => {
    const xception = { backbone: 'xception', backboneOptions: { widthMultiplier: 0.25 }, size: 128 };
    const perImage = backboneMultiplyAdds('xception', { widthMultiplier: 0.25, inputSize: 128 });
    const tfBatch = Math.ceil(ONE_THREAD_MAX_MULTIPLY_ADDS / perImage);
    expect(modelThreadsSuggestion(run('quick', { ...xception, batch: tfBatch - 1 }), 2).tensorflow?.threads).toBe(1);
    expect(modelThreadsSuggestion(run('quick', { ...xception, batch: tfBatch }), 2).tensorflow).toBeUndefined();
    const wasmBatch = Math.ceil(WASM_THREADS_MIN_MULTIPLY_ADDS / perImage);
    expect(modelThreadsSuggestion(run('quick', { ...xception, batch: wasmBatch - 1 }), 2).wasm).toBeUndefined();
    expect(modelThreadsSuggestion(run('quick', { ...xception, batch: wasmBatch }), 2).wasm?.threads).toBe(2);
  });

  it('refuses what creating the backbone would refuse', () => {
    expect(() => modelThreadsSuggestion(run('quick', { backbone: 'resnet' }))).toThrow(/resnet/);
    expect(() => modelThreadsSuggestion(run('quick', { backbone: 'xception', size: 32 }))).toThrow(/inputSize/);
  });
});

describe('inferenceThreadsSuggestion', () => {
  const paper = { backbone: 'xception', backboneOptions: { inputSize: 224 } };
  const w025 = { backbone: 'xception', backboneOptions: { widthMultiplier: 0.25, inputSize: 128 } };

  it("gives wasm one thread per core for the paper's network from one image per pass, and tensorflow none", () => {
    expect(inferenceThreadsSuggestion(paper, 1, 2)).toEqual({ wasm: { threads: 2, reason: 'one per core, the choice for a large model (4.6 G multiply-adds per batch of 1)' } });
    expect(inferenceThreadsSuggestion(paper, 1, 1)).toEqual({});
  });

  it('counts the images of a pass', () => {
    expect(inferenceThreadsSuggestion(w025, 16, 2)).toEqual({});
    expect(inferenceThreadsSuggestion(w025, 32, 2).wasm?.threads).toBe(2);
  });

  it('suggests nothing for an unknown model and refuses what creating the backbone would refuse', () => {
    expect(inferenceThreadsSuggestion(undefined, 64, 2)).toEqual({});
    expect(() => inferenceThreadsSuggestion({ backbone: 'resnet', backboneOptions: { inputSize: 224 } }, 1, 2)).toThrow(/resnet/);
  });
});
