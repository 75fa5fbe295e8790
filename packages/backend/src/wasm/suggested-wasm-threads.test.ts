import { describe, expect, it } from 'vitest';
import { suggestedWasmThreads, WASM_THREADS_MIN_MULTIPLY_ADDS } from './suggested-wasm-threads.js';

describe('suggestedWasmThreads', () => {
  it('suggests one thread per core from the measured crossing on', () => {
    expect(suggestedWasmThreads(16 * 4.55e9, 2)).toBe(2);
    expect(suggestedWasmThreads(WASM_THREADS_MIN_MULTIPLY_ADDS, 8)).toBe(8);
    expect(suggestedWasmThreads(16 * 4.55e9, 96)).toBe(64); // the backend's limit
    expect(suggestedWasmThreads(16 * 4.55e9, 3.9)).toBe(3);
  });

  it('leaves smaller steps, one core and non-counts to the default single thread', () => {
    expect(suggestedWasmThreads(16 * 97e6, 2)).toBeUndefined();
    expect(suggestedWasmThreads(WASM_THREADS_MIN_MULTIPLY_ADDS - 1, 2)).toBeUndefined();
    expect(suggestedWasmThreads(16 * 4.55e9, 1)).toBeUndefined();
    expect(suggestedWasmThreads(Number.NaN, 2)).toBeUndefined();
    expect(suggestedWasmThreads(Number.POSITIVE_INFINITY, 2)).toBeUndefined();
  });

  it('counts the cores of this machine by default', () => {
    const threads = suggestedWasmThreads(16 * 4.55e9);
    expect(threads === undefined || threads >= 2).toBe(true);
  });
});
