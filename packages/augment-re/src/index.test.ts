import { AUGMENTATION, DuplicateAugmentationError, InvalidOptionError, type Augmentation } from '@rfm/core';
import { describeAugmentationContract } from '@rfm/core/testing';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { RandomErasing, RANDOM_ERASING_DEFAULTS, registerRandomErasing } from './index.js';

describeAugmentationContract('re', ({ probability }) => new RandomErasing({ probability }));
describeAugmentationContract('re (3 boxes, mean fill)', ({ probability }) => new RandomErasing({ probability, count: 3, fill: 'mean' }));

describe('registerRandomErasing', () => {
  it('registers once per container, is idempotent and rejects a clashing configuration', () => {
    const run = container.createChildContainer();
    expect(registerRandomErasing(run)).toBe(true);
    expect(registerRandomErasing(run, { probability: RANDOM_ERASING_DEFAULTS.probability })).toBe(false);
    const plugins = run.resolveAll<Augmentation>(AUGMENTATION);
    expect(plugins).toHaveLength(1);
    expect(plugins[0]).toBeInstanceOf(RandomErasing);
    expect(() => registerRandomErasing(run, { probability: 1 })).toThrow(DuplicateAugmentationError);
    expect(() => registerRandomErasing(container.createChildContainer(), { count: 0 })).toThrow(InvalidOptionError);
  });
});
