import { describe, expect, it } from 'vitest';
import { maxRelativeError } from './relative-error.js';

describe('maxRelativeError', () => {
  it('is the largest difference over the largest reference magnitude', () => {
    expect(maxRelativeError([1, 2, -4.5], [1, 2.5, -4])).toBeCloseTo(0.5 / 4, 12);
    expect(maxRelativeError(new Float32Array([3, 0]), [3, 0])).toBe(0);
    expect(maxRelativeError([0, 0], [0, 0])).toBe(0);
    expect(maxRelativeError([1e-3], [0])).toBe(Infinity);
  });

  it('refuses arrays of different lengths, naming both', () => {
    expect(() => maxRelativeError([1, 2], [1])).toThrow(/2 values against 1/);
  });
});
