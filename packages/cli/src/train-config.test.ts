import { ONE_THREAD_MAX_MULTIPLY_ADDS } from '@rfm/backend';
import { backboneMultiplyAdds } from '@rfm/models';
import { describe, expect, it } from 'vitest';
import { modelThreadsSuggestion, PRESETS, type PresetName } from './train-config.js';

const run = (preset: PresetName, changes: { backbone?: string; backboneOptions?: object; size?: number; batch?: number } = {}) => {
  const p = PRESETS[preset];
  return {
    backbone: changes.backbone ?? p.backbone,
    backboneOptions: { ...(changes.backboneOptions ?? p.backboneOptions), inputSize: changes.size ?? p.size },
    batch: changes.batch ?? p.batch,
  };
};

describe('modelThreadsSuggestion', () => {
  it("gives one thread to the quick preset's model and to Xception width 0.25 at 128 px, saying why", () => {
    expect(modelThreadsSuggestion(run('quick'))).toEqual({ threads: 1, reason: 'the choice for a small model (0.10 G multiply-adds per batch)' });
    expect(modelThreadsSuggestion(run('quick', { backbone: 'xception', backboneOptions: { widthMultiplier: 0.25 }, size: 128 }))).toEqual({
      threads: 1,
      reason: 'the choice for a small model (1.6 G multiply-adds per batch)',
    });
  });

  it("leaves the paper preset's model, and a small model with a batch that makes it large, on TensorFlow's own count", () => {
    expect(modelThreadsSuggestion(run('paper'))).toBeUndefined();
    const xception = { backbone: 'xception', backboneOptions: { widthMultiplier: 0.25 }, size: 128 };
    const perImage = backboneMultiplyAdds('xception', { widthMultiplier: 0.25, inputSize: 128 });
    const batch = Math.ceil(ONE_THREAD_MAX_MULTIPLY_ADDS / perImage);
    expect(modelThreadsSuggestion(run('quick', { ...xception, batch: batch - 1 }))?.threads).toBe(1);
    expect(modelThreadsSuggestion(run('quick', { ...xception, batch }))).toBeUndefined();
  });

  it('refuses what creating the backbone would refuse', () => {
    expect(() => modelThreadsSuggestion(run('quick', { backbone: 'resnet' }))).toThrow(/resnet/);
    expect(() => modelThreadsSuggestion(run('quick', { backbone: 'xception', size: 32 }))).toThrow(/inputSize/);
  });
});
