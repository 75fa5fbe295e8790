import { AUGMENTATION, DuplicateAugmentationError, InvalidOptionError, type Augmentation } from '@rfm/core';
import { describeAugmentationContract } from '@rfm/core/testing';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { AdversarialErasing, registerAdversarialErasing } from './index.js';

describeAugmentationContract('ae', ({ probability }) => new AdversarialErasing({ probability }));
describeAugmentationContract(
  'ae (fake-minus-real, value threshold, integer fill)',
  ({ probability }) =>
    new AdversarialErasing({ probability, camClass: 'fake-minus-real', threshold: { kind: 'value', value: 0.7 }, fill: 'integers' }),
);

describe('registerAdversarialErasing', () => {
  it('registers once per container, is idempotent and rejects a clashing configuration', () => {
    const run = container.createChildContainer();
    expect(registerAdversarialErasing(run)).toBe(true);
    expect(registerAdversarialErasing(run, { threshold: { kind: 'top-fraction', value: 0.2 } })).toBe(false);
    const plugins = run.resolveAll<Augmentation>(AUGMENTATION);
    expect(plugins).toHaveLength(1);
    expect(plugins[0]).toBeInstanceOf(AdversarialErasing);
    expect(() => registerAdversarialErasing(run, { camClass: 'fake-minus-real' })).toThrow(DuplicateAugmentationError);
    expect(() => registerAdversarialErasing(container.createChildContainer(), { probability: 2 })).toThrow(InvalidOptionError);
  });
});
