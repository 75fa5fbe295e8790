import { createRng } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { camCutoff } from './cam-threshold.js';

describe('camCutoff', () => {
  it('keeps exactly ceil(f·N) pixels at or above the cut-off for distinct values', () => {
    const rng = createRng(1);
    for (const [n, f] of [[1000, 0.2], [64, 0.2], [50, 0.5], [7, 0.1], [10, 1]] as const) {
      const map = rng.fill(new Float32Array(n), 0, 1);
      map[0] = 0;
      map[1] = 1;
      const cutoff = camCutoff(map, { kind: 'top-fraction', value: f })!;
      expect(map.filter((v) => v >= cutoff).length).toBe(Math.ceil(f * n - 1e-9));
    }
  });

  it('erases every tie at the cut-off', () => {
    const map = Float32Array.of(0, 0.5, 0.5, 0.5, 1);
    const cutoff = camCutoff(map, { kind: 'top-fraction', value: 0.4 })!;
    expect(cutoff).toBe(0.5);
    expect(map.filter((v) => v >= cutoff).length).toBe(4);
  });

  it('returns the fixed value for value thresholds and null for a constant map', () => {
    expect(camCutoff(Float32Array.of(0, 0.3, 1), { kind: 'value', value: 0.8 })).toBe(0.8);
    expect(camCutoff(new Float32Array(16), { kind: 'top-fraction', value: 0.2 })).toBeNull();
    expect(camCutoff(new Float32Array(16).fill(0.5), { kind: 'value', value: 0.2 })).toBeNull();
  });
});
