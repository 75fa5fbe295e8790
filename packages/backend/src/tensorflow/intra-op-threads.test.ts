import { describe, expect, it } from 'vitest';
import {
  INTRA_OP_THREADS_VARIABLE,
  intraOpThreadsAtLoad,
  intraOpThreadsFor,
  ONE_THREAD_MAX_MULTIPLY_ADDS,
  recordIntraOpThreadsAtLoad,
  suggestedTensorflowThreads,
  tensorflowIntraOpThreads,
} from './intra-op-threads.js';

describe('intraOpThreadsFor', () => {
  it('reads a positive count from TF_NUM_INTRAOP_THREADS and falls back to one thread per core', () => {
    expect(intraOpThreadsFor('1', 8)).toBe(1);
    expect(intraOpThreadsFor('3', 2)).toBe(3);
    expect(intraOpThreadsFor(undefined, 2)).toBe(2);
    expect(intraOpThreadsFor('', 2)).toBe(2);
    // TensorFlow treats 0 as its default; other values are not a count.
    expect(intraOpThreadsFor('0', 4)).toBe(4);
    expect(intraOpThreadsFor('two', 4)).toBe(4);
    expect(intraOpThreadsFor('1.5', 4)).toBe(4);
  });
});

describe('tensorflowIntraOpThreads', () => {
  it('keeps the count recorded when the addon loaded, whatever the environment says later', () => {
    const before = process.env[INTRA_OP_THREADS_VARIABLE];
    try {
      expect(intraOpThreadsAtLoad()).toBeUndefined();
      process.env[INTRA_OP_THREADS_VARIABLE] = '3';
      expect(tensorflowIntraOpThreads()).toBe(3); // not recorded yet: the environment now
      expect(recordIntraOpThreadsAtLoad()).toBe('3');
      process.env[INTRA_OP_THREADS_VARIABLE] = '1';
      expect(tensorflowIntraOpThreads()).toBe(3);
      expect(intraOpThreadsAtLoad()).toBe('3');
    } finally {
      if (before === undefined) delete process.env[INTRA_OP_THREADS_VARIABLE];
      else process.env[INTRA_OP_THREADS_VARIABLE] = before;
    }
  });
});

describe('suggestedTensorflowThreads', () => {
  it('suggests one thread below the measured crossing and leaves larger steps to TensorFlow', () => {
    expect(suggestedTensorflowThreads(16 * 97e6)).toBe(1);
    expect(suggestedTensorflowThreads(0)).toBe(1);
    expect(suggestedTensorflowThreads(ONE_THREAD_MAX_MULTIPLY_ADDS - 1)).toBe(1);
    expect(suggestedTensorflowThreads(ONE_THREAD_MAX_MULTIPLY_ADDS)).toBeUndefined();
    expect(suggestedTensorflowThreads(16 * 4.55e9)).toBeUndefined();
    expect(suggestedTensorflowThreads(Number.NaN)).toBeUndefined();
    expect(suggestedTensorflowThreads(-1)).toBeUndefined();
  });
});
