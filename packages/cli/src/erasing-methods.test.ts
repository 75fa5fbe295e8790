import { ProgressiveSfe } from '@rfm/augment-psfe';
import { SuspiciousForgeriesErasing } from '@rfm/augment-sfe';
import { UnknownAugmentationError } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { ATTENTION_METHODS } from './attention-methods.js';
import { createErasing, ERASING_METHODS } from './erasing-methods.js';

describe('erasing method table', () => {
  it('builds each plugin under its own name with the paper defaults scaled to the input', () => {
    for (const [name, method] of Object.entries(ERASING_METHODS)) {
      expect(method.create({ inputSize: 64 }).name).toBe(name);
    }
    const sfe = createErasing('sfe', { inputSize: 64 }) as SuspiciousForgeriesErasing;
    expect(sfe).toBeInstanceOf(SuspiciousForgeriesErasing);
    expect(sfe.options).toMatchObject({ blocks: 3, probability: 1, maxHeight: 120 / 224, maxWidth: 120 / 224, geometry: 'code', fill: 'uniform' });
    const psfe = createErasing('psfe', { inputSize: 64, blocks: 2, maxSize: 20 }) as ProgressiveSfe;
    expect(psfe).toBeInstanceOf(ProgressiveSfe);
    expect(psfe.options).toMatchObject({ blocks: 2, maxHeight: 20, maxWidth: 20 });
    expect(() => createErasing('cutmix', { inputSize: 64 })).toThrow(UnknownAugmentationError);
    expect(ERASING_METHODS.sfe!.attention).toBe('fam');
    expect(Object.keys(ATTENTION_METHODS)).toContain('fam');
  });
});
