import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('SeededRng.fill', () => {
  it('gives the numbers of uint32() scaled to [lo, hi), and leaves the generator where uint32() would', () => {
    const filled = createRng(5);
    const stepped = createRng(5);
    // Long enough for the counter and the rotations to wrap many times.
    const out = filled.fill(new Float32Array(10_007), -1, 1);
    const want = Float32Array.from({ length: out.length }, () => -1 + 2 * (stepped.uint32() / 4294967296));
    expect(Array.from(out)).toEqual(Array.from(want));
    expect(filled.getState()).toEqual(stepped.getState());
    expect(filled.uint32()).toBe(stepped.uint32());
  });

  it('keeps the stream of earlier releases (seed 5)', () => {
    const rng = createRng(5);
    expect(Array.from(rng.fill(new Float32Array(3), -1, 1))).toEqual([0.10985925048589706, -0.4295223355293274, -0.09587136656045914]);
    rng.fill(new Float32Array(3), -1, 1);
    expect(rng.uint32()).toBe(523562733);
    expect(rng.getState()).toEqual([404726643, 2606585251, 2293467420, 1924212376]);
  });

  it('fills a batch of noise the size of a 128 px batch of 16 within [lo, hi)', () => {
    const out = createRng(1).fill(new Float32Array(16 * 128 * 128 * 3), 0.5, 2);
    expect(Math.min(...out.subarray(0, 100_000))).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...out.subarray(0, 100_000))).toBeLessThan(2);
  });
});
