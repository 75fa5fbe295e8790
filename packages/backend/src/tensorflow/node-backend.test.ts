import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { nativeReshape, type NodeBackend } from './node-backend.js';

let reason = '';
try {
  await initBackend('tensorflow', { nativeModules: ['@tensorflow/tfjs-node'] });
} catch (e) {
  reason = `the tensorflow backend is absent: ${(e as Error).message.split('\n')[0]}`;
}

describe.skipIf(reason !== '')(`nativeReshape on tensorflow${reason ? ` (SKIPPED: ${reason})` : ''}`, () => {
  it('gives the values of tf.reshape, counts no kept tensor, and survives the shape cache starting again', async () => {
    await tf.setBackend('tensorflow');
    const b = tf.backend() as unknown as NodeBackend;
    const before = tf.memory().numTensors;
    const x = tf.tidy(() => tf.reshape(tf.range(0, 24, 1, 'float32'), [2, 3, 4]));
    const y = nativeReshape(b, x, [6, 4]);
    expect(y.shape).toEqual([6, 4]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    const again = nativeReshape(b, x, [6, 4]); // the kept shape handle, used twice
    expect(Array.from(again.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y, again]);
    // More distinct shapes than the cache keeps: it frees its handles and starts again.
    for (let n = 1; n <= 1100; n++) {
      const t = tf.zeros([n, 2]);
      const r = nativeReshape(b, t, [2, n]);
      expect(r.shape).toEqual([2, n]);
      tf.dispose([t, r]);
    }
    const z = tf.ones([3, 4]);
    const r = nativeReshape(b, z, [4, 3]);
    expect(Array.from(r.dataSync())).toEqual(new Array(12).fill(1));
    tf.dispose([z, r]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
