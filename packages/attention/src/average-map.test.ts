import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, InvalidOptionError, ShapeMismatchError } from '@rfm/core';
import { AttentionAverager, averageAttentionMap, minMaxNormalize, normalizeAttentionMaps } from './average-map.js';
import { attentionSimilarity } from './similarity.js';

/** Bilinear resize with half-pixel centres, written out (PyTorch align_corners=False). */
function resize(src: Float32Array, h: number, w: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(oh * ow);
  const coord = (o: number, n: number, on: number) => {
    const c = Math.max(0, (o + 0.5) * (n / on) - 0.5);
    const i0 = Math.min(Math.floor(c), n - 1);
    return [i0, Math.min(i0 + 1, n - 1), c - i0] as const;
  };
  for (let y = 0; y < oh; y++) {
    const [y0, y1, fy] = coord(y, h, oh);
    for (let x = 0; x < ow; x++) {
      const [x0, x1, fx] = coord(x, w, ow);
      const top = src[y0 * w + x0]! * (1 - fx) + src[y0 * w + x1]! * fx;
      const bot = src[y1 * w + x0]! * (1 - fx) + src[y1 * w + x1]! * fx;
      out[y * ow + x] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

describe('average attention maps', () => {
  it('blurs by half-size bilinear resampling and min-max normalises each image', () => {
    const h = 8;
    const w = 6;
    const values = createRng(1).fill(new Float32Array(2 * h * w), 0, 5);
    const maps = tf.tensor3d(values, [2, h, w]);
    const out = normalizeAttentionMaps(maps);
    const got = out.dataSync();
    for (let i = 0; i < 2; i++) {
      const one = values.subarray(i * h * w, (i + 1) * h * w);
      const expected = minMaxNormalize(resize(resize(one, h, w, h / 2, w / 2), h / 2, w / 2, h, w));
      const slice = got.subarray(i * h * w, (i + 1) * h * w);
      expected.forEach((v, k) => expect(slice[k]).toBeCloseTo(v, 5));
      expect(Math.min(...slice)).toBeCloseTo(0, 6);
      expect(Math.max(...slice)).toBeCloseTo(1, 6);
    }
    tf.dispose([maps, out]);
  });

  it('turns a constant map into zeros instead of dividing by zero', async () => {
    const maps = tf.fill([2, 4, 4], 3) as tf.Tensor3D;
    const out = normalizeAttentionMaps(maps);
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    const avg = await averageAttentionMap(maps);
    expect(Array.from(avg.data).every((v) => v === 0)).toBe(true);
    tf.dispose([maps, out]);
  });

  it('averages over batches and normalises the mean; flips only with an rng', async () => {
    // A ramp increasing to the right: its flip increases to the left.
    const ramp = Array.from({ length: 4 * 4 }, (_, k) => k % 4);
    const maps = tf.tensor3d([...ramp, ...ramp], [2, 4, 4]);
    const before = tf.memory().numTensors;
    const plain = await averageAttentionMap([maps, maps], { smooth: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(plain.data.subarray(0, 4))).toEqual([0, 1 / 3, 2 / 3, 1].map((v) => Math.fround(v)));
    expect(() => new AttentionAverager({ flip: true })).toThrow(InvalidOptionError);
    // With flips, each image is either the ramp or its mirror image, both occur, and the draws are seeded.
    const many = tf.tensor3d(Array.from({ length: 16 }, () => ramp).flat(), [16, 4, 4]);
    const flipped = normalizeAttentionMaps(many, { smooth: false, flip: true, rng: createRng(3) });
    const again = normalizeAttentionMaps(many, { smooth: false, flip: true, rng: createRng(3) });
    expect(Array.from(flipped.dataSync())).toEqual(Array.from(again.dataSync()));
    const firstRows = Array.from({ length: 16 }, (_, i) => Array.from(flipped.dataSync().subarray(16 * i, 16 * i + 4)).join());
    const forward = [0, 1 / 3, 2 / 3, 1].map((v) => Math.fround(v));
    expect(new Set(firstRows)).toEqual(new Set([forward.join(), [...forward].reverse().join()]));
    tf.dispose([flipped, again]);
    const averager = new AttentionAverager();
    await averager.add(maps);
    await expect(averager.add(tf.zeros([1, 2, 2]) as tf.Tensor3D)).rejects.toThrow(ShapeMismatchError);
    expect(averager.count).toBe(2);
    tf.dispose([maps, many]);
  });

  it('computes cosine similarities between maps', () => {
    const a = new Float32Array([1, 0, 0, 1]);
    const b = new Float32Array([1, 1, 0, 0]);
    const c = new Float32Array([2, 0, 0, 2]);
    const zero = new Float32Array(4);
    const m = attentionSimilarity([a, { data: b, height: 2, width: 2 }, c, zero]);
    expect(m[0]![0]).toBeCloseTo(1, 6);
    expect(m[0]![1]).toBeCloseTo(0.5, 6);
    expect(m[1]![0]).toBeCloseTo(0.5, 6);
    expect(m[0]![2]).toBeCloseTo(1, 6);
    expect(m[3]).toEqual([0, 0, 0, 0]);
    expect(() => attentionSimilarity([a, new Float32Array(3)])).toThrow(ShapeMismatchError);
  });
});
