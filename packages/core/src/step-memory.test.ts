import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { createRng } from './rng.js';
import { createSmallBackbone } from './small-backbone.js';
import { estimateStepMemory, MemoryBudgetError, planMicroBatch, stepBytes, stepMemoryBudget, STEP_MEMORY_FACTORS, WASM_HEAP_LIMIT_BYTES, type StepMemoryEstimate } from './step-memory.js';

const MB = 1024 ** 2;
/** 1 GB fixed, 400 MB per image: roughly the full Xception at 224 px. */
const XCEPTION_LIKE: StepMemoryEstimate = { fixedBytes: 1024 * MB, perImageBytes: 400 * MB, layerOutputBytes: 133 * MB, parameterBytes: 83 * MB };
const request = { backend: 'wasm', model: 'test net', budgetBytes: stepMemoryBudget('wasm') };

describe('estimateStepMemory', () => {
  it('sums the layer outputs of one image and scales with the input area', () => {
    const small = createSmallBackbone({ inputSize: 32, width: 4 }, createRng(1));
    const large = createSmallBackbone({ inputSize: 64, width: 4 }, createRng(1));
    const a = estimateStepMemory(small);
    const b = estimateStepMemory(large);
    // Input 32x32x3 alone is 12 KB; the first conv's output and the rest come on top.
    expect(a.layerOutputBytes).toBeGreaterThan(32 * 32 * 3 * 4);
    expect(b.layerOutputBytes / a.layerOutputBytes).toBeGreaterThan(3.5);
    expect(b.layerOutputBytes / a.layerOutputBytes).toBeLessThanOrEqual(4.01);
    expect(a.parameterBytes).toBe(small.countParams().total * 4);
    expect(a.perImageBytes).toBe(STEP_MEMORY_FACTORS.activations * a.layerOutputBytes);
    expect(stepBytes(a, 3) - stepBytes(a, 1)).toBe(2 * a.perImageBytes);
    small.dispose();
    large.dispose();
  });
});

describe('planMicroBatch', () => {
  it('keeps the whole batch when it fits, and on backends without a heap limit', () => {
    const tiny = { ...XCEPTION_LIKE, perImageBytes: 10 * MB };
    expect(planMicroBatch(tiny, { ...request, batch: 16, microBatch: 'auto' })).toMatchObject({ microBatch: 16, passes: 1 });
    expect(planMicroBatch(XCEPTION_LIKE, { ...request, batch: 16, microBatch: 'auto', budgetBytes: stepMemoryBudget('tensorflow') })).toMatchObject({ microBatch: 16, passes: 1 });
  });

  it('splits a batch that does not fit the wasm heap into even micro-batches that do', () => {
    const plan = planMicroBatch(XCEPTION_LIKE, { ...request, batch: 16, microBatch: 'auto' });
    // (0.85 * 4096 - 1024) / 400 = 6.1 -> at most 6 images -> 3 passes of 6, 5, 5 -> microBatch 6.
    expect(plan).toMatchObject({ microBatch: 6, passes: 3 });
    expect(plan.estimatedBytes).toBeLessThanOrEqual(0.85 * WASM_HEAP_LIMIT_BYTES);
    expect(planMicroBatch(XCEPTION_LIKE, { ...request, batch: 16, microBatch: 4 })).toMatchObject({ microBatch: 4, passes: 4 });
  });

  it('refuses, before training, a micro-batch or a network that cannot fit, saying what to use', () => {
    expect(() => planMicroBatch(XCEPTION_LIKE, { ...request, batch: 16, microBatch: 16 })).toThrow(MemoryBudgetError);
    expect(() => planMicroBatch(XCEPTION_LIKE, { ...request, batch: 16, microBatch: 16 })).toThrow(/at most 6 .*tensorflow backend/);
    const huge = { ...XCEPTION_LIKE, perImageBytes: 4096 * MB };
    let error: unknown;
    try {
      planMicroBatch(huge, { ...request, batch: 2, microBatch: 'auto' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MemoryBudgetError);
    expect((error as MemoryBudgetError).code).toBe('RFM_MEMORY_BUDGET');
    expect((error as Error).message).toMatch(/even for one image.*tensorflow backend/);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('rejects a micro-batch outside 1..batch', () => {
    expect(() => planMicroBatch(XCEPTION_LIKE, { ...request, batch: 8, microBatch: 9 })).toThrow(InvalidOptionError);
    expect(() => planMicroBatch(XCEPTION_LIKE, { ...request, batch: 8, microBatch: 0 })).toThrow(InvalidOptionError);
  });
});
