import { ProgressiveSfe } from '@rfm/augment-psfe';
import { SuspiciousForgeriesErasing } from '@rfm/augment-sfe';
import { AUGMENTATION, DuplicateAugmentationError, UnknownAugmentationError, type Augmentation } from '@rfm/core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ATTENTION_METHODS } from './attention-methods.js';
import { createErasing, ERASING_METHODS, registerErasing } from './erasing-methods.js';

describe('erasing method table', () => {
  it('builds each plugin under its own name with the paper defaults scaled to the input', () => {
    for (const name of Object.keys(ERASING_METHODS)) {
      expect(createErasing(name, { inputSize: 64 }).name).toBe(name);
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

  it("registers through each package's registerX: idempotent for the same options, refused for other options", () => {
    const run = container.createChildContainer();
    expect(registerErasing(run, 'sfe', { inputSize: 64 })).toBe(true);
    expect(registerErasing(run, 'sfe', { inputSize: 64 })).toBe(false);
    expect(() => registerErasing(run, 'sfe', { inputSize: 64, blocks: 1 })).toThrow(DuplicateAugmentationError);
    expect(registerErasing(run, 're', { inputSize: 64 })).toBe(true);
    expect(run.resolveAll<Augmentation>(AUGMENTATION).map((p) => p.name)).toEqual(['sfe', 're']);
  });
});
