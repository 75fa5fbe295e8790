import { describe, expect, it } from 'vitest';
import { PRESETS, presetTensorflowThreads, presetThreadsSuggestion, type PresetName } from './train-config.js';

const run = (preset: PresetName, changes: { backbone?: string; size?: number; batch?: number } = {}) => {
  const p = PRESETS[preset];
  return { preset, backbone: changes.backbone ?? p.backbone, backboneOptions: { ...p.backboneOptions, inputSize: changes.size ?? p.size }, batch: changes.batch ?? p.batch };
};

describe('presetTensorflowThreads', () => {
  it("gives the quick preset's one thread while the run keeps its backbone, size and batch", () => {
    expect(presetTensorflowThreads(run('quick'))).toBe(1);
    expect(presetThreadsSuggestion(run('quick'))).toEqual({ threads: 1, by: "the quick preset's" });
  });

  it.each([
    ['another backbone', { backbone: 'xception' }],
    ['another size', { size: 224 }],
    ['another batch', { batch: 64 }],
  ])('gives nothing for the quick preset with %s (the kernels are no longer the measured ones)', (_, changes) => {
    expect(presetTensorflowThreads(run('quick', changes))).toBeUndefined();
    expect(presetThreadsSuggestion(run('quick', changes))).toBeUndefined();
  });

  it("leaves the paper preset on TensorFlow's own count", () => {
    expect(presetTensorflowThreads(run('paper'))).toBeUndefined();
  });

  it('gives nothing for a run folder that names no known preset', () => {
    expect(presetTensorflowThreads({ ...run('quick'), preset: undefined as unknown as PresetName })).toBeUndefined();
  });
});
