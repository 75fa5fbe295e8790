import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { createTestBackbone, createTestBatch } from '../testing/fixtures.js';
import { deferMovingAverageUpdates, updateMovingAverage, type MovingStatistic } from './moving-average-updates.js';

/** A moving statistic held in a tf.Variable. */
function statistic(values: number[]): MovingStatistic & { variable: tf.Variable } {
  const variable = tf.variable(tf.tensor1d(values));
  return { variable, read: () => variable, write: (v: tf.Tensor) => variable.assign(v as tf.Tensor1D) };
}

describe('deferMovingAverageUpdates', () => {
  it('gives bit-identical moving statistics to updating each layer at once, in fewer kernel calls, and leaks nothing', async () => {
    const rng = createRng(3);
    const vector = (n: number): number[] => Array.from({ length: n }, () => rng.normal() * 3);
    // Eight layers, one with another decay; the first is updated twice (a layer called twice).
    const sizes = [5, 7, 4, 6, 3, 8, 5, 9];
    const decays = [0.01, 0.01, 0.1, 0.01, 0.01, 0.01, 0.01, 0.01];
    const starts = sizes.map((n) => vector(n));
    const batches = [...sizes, sizes[0]!].map((n) => vector(n));
    const order = [0, 1, 2, 3, 4, 5, 6, 7, 0];
    const run = (deferred: boolean) => {
      const stats = starts.map((v) => statistic(v));
      const before = tf.memory().numTensors;
      const body = (): void => {
        order.forEach((layer, i) => {
          const batch = tf.tensor1d(batches[i]!);
          updateMovingAverage(stats[layer]!, batch, decays[layer]!);
          if (!deferred) batch.dispose();
        });
      };
      let calls = 0;
      const counted = async () => {
        const info = await tf.profile(() => (deferred ? deferMovingAverageUpdates(body) : tf.tidy(body)));
        calls = info.kernels.length;
      };
      return counted().then(() => {
        const values = stats.map((s) => Array.from(s.variable.dataSync()));
        expect(tf.memory().numTensors).toBe(before);
        stats.forEach((s) => s.variable.dispose());
        return { values, calls };
      });
    };
    const immediate = await run(false);
    const deferred = await run(true);
    expect(deferred.values).toEqual(immediate.values);
    // At once: 3 kernels per update (27); deferred: 6 for the seven layers of one decay, 3 for the
    // other, 3 for the second update of the first layer, which runs after the rest.
    expect(immediate.calls).toBe(27);
    expect(deferred.calls).toBe(12);
  });

  it("a backbone's training pass (deferred updates) leaves the moving statistics tfjs-layers' executor leaves (updates at once); a run that throws drops its updates", () => {
    const deferred = createTestBackbone(32);
    const immediate = createTestBackbone(32);
    const { images } = createTestBatch({ batchSize: 4, size: 32 });
    const moving = (b: typeof deferred) => b.model.weights.filter((w) => w.name.includes('moving')).map((w) => Array.from(w.read().dataSync()));
    const initial = moving(deferred);
    expect(moving(immediate)).toEqual(initial);
    tf.tidy(() => {
      deferred.apply(images, true);
    });
    tf.tidy(() => {
      immediate.model.apply(images, { training: true });
    });
    expect(moving(deferred)).not.toEqual(initial);
    expect(moving(deferred)).toEqual(moving(immediate));
    const s = statistic([1, 2]);
    expect(() =>
      deferMovingAverageUpdates(() => {
        updateMovingAverage(s, tf.tensor1d([3, 4]), 0.5);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Array.from(s.variable.dataSync())).toEqual([1, 2]);
    s.variable.dispose();
    tf.dispose(images);
    deferred.dispose();
    immediate.dispose();
  });
});
