import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import type { Augmentation } from './augmentation.js';
import { DuplicateAugmentationError } from './errors.js';
import { registerAugmentation } from './register-augmentation.js';
import { AUGMENTATION } from './tokens.js';

const plugin = (name: string): Augmentation => ({
  name,
  apply: () => {
    throw new Error('not called');
  },
});

describe('registerAugmentation', () => {
  it('registers once, ignores the same plugin again, refuses a clashing name', () => {
    const c = container.createChildContainer();
    expect(registerAugmentation(c, plugin('sfe'), 'sfe{"blocks":3}')).toBe(true);
    expect(registerAugmentation(c, plugin('sfe'), 'sfe{"blocks":3}')).toBe(false);
    expect(() => registerAugmentation(c, plugin('sfe'), 'sfe{"blocks":1}')).toThrow(DuplicateAugmentationError);
    registerAugmentation(c, plugin('re'));
    expect(c.resolveAll(AUGMENTATION).map((p) => p.name)).toEqual(['sfe', 're']);
  });

  it('keeps containers apart', () => {
    const a = container.createChildContainer();
    const b = container.createChildContainer();
    registerAugmentation(a, plugin('sfe'), 'x');
    expect(registerAugmentation(b, plugin('sfe'), 'y')).toBe(true);
  });
});
