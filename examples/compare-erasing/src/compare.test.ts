import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareErasing } from './compare.js';

describe('compare-erasing example', () => {
  it('trains every setup on the bundled data and reports test metrics for each, without leaks', async () => {
    const data = fileURLToPath(new URL('../../../data/ffhq-stylegan2', import.meta.url));
    const before = tf.memory().numTensors;
    const differences: Record<string, { estimate: number; lo: number; hi: number }> = {};
    const results = await compareErasing({ data, size: 16, resize: 18, depth: 1, iterations: 2, seed: 1, onResult: (name, _r, d) => void (d && (differences[name] = d)) });
    expect(Object.keys(results)).toEqual(['none', 'sfe', 're']);
    for (const r of Object.values(results)) {
      expect(r.auc).toBeGreaterThanOrEqual(0);
      expect(r.auc).toBeLessThanOrEqual(1);
      expect(r.nReal + r.nFake).toBeGreaterThan(0);
    }
    expect(Object.keys(differences)).toEqual(['sfe', 're']);
    for (const [name, d] of Object.entries(differences)) {
      expect(d.estimate).toBeCloseTo(results[name]!.auc - results.none!.auc, 12);
      expect(d.lo).toBeLessThanOrEqual(d.estimate);
      expect(d.hi).toBeGreaterThanOrEqual(d.estimate);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
