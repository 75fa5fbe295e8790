import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { asBackendFailure, BackendFailureError, isBackendFailure } from './backend-failure.js';
import type { Backbone } from './backbone.js';
import { InvalidOptionError } from './errors.js';
import { createRng } from './rng.js';
import { createRunContainer } from './run-container.js';
import { createSmallBackbone } from './small-backbone.js';
import { createSyntheticImages, MemoryBatchSource, MemoryEvalSource } from './memory-data.js';
import { Trainer } from './trainer.js';

describe('asBackendFailure', () => {
  it('turns WebAssembly traps and Emscripten aborts into one typed line', () => {
    for (const cause of [
      new WebAssembly.RuntimeError('memory access out of bounds'),
      new WebAssembly.RuntimeError('divide by zero'),
      new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'),
    ]) {
      expect(isBackendFailure(cause)).toBe(true);
      const e = asBackendFailure(cause, 'wasm', 'a training step');
      expect(e).toBeInstanceOf(BackendFailureError);
      expect((e as BackendFailureError).code).toBe('RFM_BACKEND_FAILURE');
      expect((e as BackendFailureError).cause).toBe(cause);
      expect((e as Error).message).toMatch(/^The wasm backend failed during a training step \(.+\)\. The wasm heap is limited to 4 GB/);
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
  });

  it('leaves other errors alone', () => {
    const own = new InvalidOptionError('batch', 3, 'even');
    expect(asBackendFailure(own, 'wasm', 'x')).toBe(own);
    const bug = new TypeError('x is undefined');
    expect(asBackendFailure(bug, 'wasm', 'x')).toBe(bug);
  });
});

describe('Trainer on a failing backend', () => {
  it('reports a wasm trap in a training step as a BackendFailureError, leaking nothing', async () => {
    const size = 16;
    const data = createSyntheticImages(8, size, 1);
    const val = createSyntheticImages(4, size, 2);
    const real = createSmallBackbone({ inputSize: size, width: 4 }, createRng(3));
    let calls = 0;
    const failing: Backbone = {
      ...real,
      config: real.config,
      model: real.model,
      classifier: () => real.classifier(),
      trainableWeights: () => real.trainableWeights(),
      countParams: () => real.countParams(),
      dispose: () => real.dispose(),
      apply(x, training) {
        calls++;
        if (training) throw new WebAssembly.RuntimeError('memory access out of bounds');
        return real.apply(x, training);
      },
    };
    const c = createRunContainer({
      backbone: failing,
      batches: new MemoryBatchSource(data.pixels, data.labels, size, 4, 4),
      validation: new MemoryEvalSource(val.pixels, val.labels, size),
      rng: createRng(5),
      options: { iterations: 2, evalEvery: 2 },
    });
    const before = tf.memory().numTensors;
    await expect(c.resolve(Trainer).run()).rejects.toMatchObject({ code: 'RFM_BACKEND_FAILURE', backend: tf.getBackend() });
    expect(calls).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    real.dispose();
  });
});
