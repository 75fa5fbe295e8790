import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { registerModelLayers } from './register-layers.js';
import { SymmetricMaxPooling2D } from './symmetric-max-pool.js';

/** Reference: pad with -Infinity explicitly, then an unpadded 3x3/2 pool. */
function referencePool(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.maxPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], -Infinity), 3, 2, 'valid'));
}

/** Strictly negative input, so a zero-valued pad would win every border window. */
function negativeInput(side: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.neg(tf.abs(tf.randomNormal([2, side, side, 3], 0, 1, 'float32', seed))), 0.5) as tf.Tensor4D);
}

describe('SymmetricMaxPooling2D', () => {
  const pool = new SymmetricMaxPooling2D({ poolSize: 3, strides: 2, padding: 1, name: 'pool' });

  it.each([6, 7, 14, 28])('treats the padded cells as -infinity at side %i', (side) => {
    const before = tf.memory().numTensors;
    const x = negativeInput(side, side);
    const y = pool.apply(x) as tf.Tensor4D;
    const ref = referencePool(x);
    expect(y.shape).toEqual([2, Math.ceil(side / 2), Math.ceil(side / 2), 3]);
    expect(y.shape).toEqual(ref.shape);
    expect(Array.from(y.dataSync())).toEqual(Array.from(ref.dataSync()));
    // every output is a real (negative) input value, never a pad value
    expect(Math.max(...y.dataSync())).toBeLessThan(0);
    tf.dispose([x, y, ref]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("differs from TensorFlow's 'same' pooling on even sides only", () => {
    const same = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
    for (const [side, equal] of [
      [6, false],
      [7, true],
    ] as const) {
      const x = tf.randomNormal([1, side, side, 2], 0, 1, 'float32', 11) as tf.Tensor4D;
      const a = pool.apply(x) as tf.Tensor;
      const b = same.apply(x) as tf.Tensor;
      expect(a.shape).toEqual(b.shape);
      expect(tf.tidy(() => tf.all(tf.equal(a, b)).dataSync()[0]) === 1).toBe(equal);
      tf.dispose([x, a, b]);
    }
  });

  it('routes the gradient like explicit -infinity padding', () => {
    const x = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const w = tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 6);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(pool.apply(v) as tf.Tensor, w)))(x);
    const gRef = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(referencePool(v as tf.Tensor4D), w)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(gRef.dataSync()));
    expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([x, w, g, gRef]);
  });

  it('computes PyTorch output sides symbolically', () => {
    expect(pool.computeOutputShape([null, 109, 109, 64])).toEqual([null, 55, 55, 64]);
    expect(pool.computeOutputShape([null, 28, 28, 8])).toEqual([null, 14, 14, 8]);
    const wide = new SymmetricMaxPooling2D({ poolSize: 2, strides: 2, padding: 0 });
    expect(wide.computeOutputShape([1, 7, 7, 1])).toEqual([1, 3, 3, 1]);
  });

  it('serialises its configuration and is registered for loading', () => {
    registerModelLayers();
    registerModelLayers();
    const config = pool.getConfig();
    expect(config).toMatchObject({ poolSize: 3, strides: 2, padding: 1, name: 'pool' });
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(map[SymmetricMaxPooling2D.className]?.[0]).toBe(SymmetricMaxPooling2D);
    expect(pool.getClassName()).toBe('RfmSymmetricMaxPooling2D');
  });

  it('rejects a padding wider than half the window', () => {
    expect(() => new SymmetricMaxPooling2D({ poolSize: 3, padding: 2 })).toThrow(InvalidOptionError);
    expect(() => new SymmetricMaxPooling2D({ strides: 0 })).toThrow(/strides/);
  });
});
