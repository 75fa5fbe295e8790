import { createRng, type Rng } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { placeSfeBlocks, type SfeBlock, type SfeImageState } from './block-sampler.js';
import { resolveSfeOptions, type SfeOptions } from './sfe-options.js';

const state = (height: number, width = height): SfeImageState => ({
  height,
  width,
  keep: new Float32Array(height * width).fill(1),
  used: new Uint8Array(height * width),
});
const inside = (b: SfeBlock, row: number, col: number) => row >= b.top && row < b.bottom && col >= b.left && col < b.right;
/** A map whose single peak is at (row, col), on a random background below it. */
const peakMap = (size: number, row: number, col: number, rng: Rng) => {
  const m = rng.fill(new Float32Array(size * size), 0, 1);
  m[row * size + col] = 2;
  return m;
};

/** The official scan, literally: sort descending, visit each pixel, place a block on uncovered ones (spec §2.7). */
function referenceScan(map: Float32Array, size: number, count: number, max: number, rng: Rng): SfeBlock[] {
  const order = Array.from(map.keys()).sort((a, b) => map[b]! - map[a]!);
  const mask = new Uint8Array(size * size).fill(1);
  const blocks: SfeBlock[] = [];
  for (const k of order) {
    if (blocks.length >= count) break;
    const row = Math.floor(k / size);
    const col = k % size;
    if (mask[k] !== 1) continue;
    const mh = rng.int(1, max);
    const mw = rng.int(1, max);
    const sh = rng.int(1, mh);
    const sw = rng.int(1, mw);
    const b = { anchor: [row, col] as const, top: Math.max(row - sh, 0), bottom: Math.min(row - sh + mh, size), left: Math.max(col - sw, 0), right: Math.min(col - sw + mw, size) };
    for (let r = b.top; r < b.bottom; r++) for (let c = b.left; c < b.right; c++) mask[r * size + c] = 0;
    blocks.push(b);
  }
  return blocks;
}

describe('placeSfeBlocks', () => {
  const code = resolveSfeOptions();

  it('equals the official descending scan (same blocks from the same random stream)', () => {
    const maps = createRng(1);
    for (let trial = 0; trial < 30; trial++) {
      const size = 32;
      const map = maps.fill(new Float32Array(size * size), 0, 1);
      const options = resolveSfeOptions({ maxHeight: 12, maxWidth: 12, blocks: 5 });
      const got = placeSfeBlocks(state(size), map, 5, options, createRng(100 + trial));
      expect(got).toEqual(referenceScan(map, size, 5, 12, createRng(100 + trial)));
    }
  });

  it('anchors at the first eligible pixel by value (descending), then index: ties, NaN and -Infinity last, covered and used pixels skipped', () => {
    const rng = createRng(4);
    const size = 12;
    const n = size * size;
    for (let trial = 0; trial < 300; trial++) {
      // Five levels (many ties), 10% NaN and 10% -Infinity; every 20th map is all NaN or all -Infinity.
      const map = Float32Array.from({ length: n }, () => {
        const u = rng.next();
        return u < 0.1 ? NaN : u < 0.2 ? -Infinity : Math.floor(u * 5);
      });
      if (trial % 20 === 0) map.fill(trial % 40 === 0 ? NaN : -Infinity);
      const s = state(size);
      for (let k = 0; k < n; k++) {
        if (rng.next() < 0.3) s.keep[k] = 0;
        if (rng.next() < (trial % 50 === 1 ? 1 : 0.2)) s.used[k] = 1;
      }
      const key = (k: number): number => (Number.isNaN(map[k]!) ? -Infinity : map[k]!);
      const order = [...map.keys()].filter((k) => s.keep[k] === 1 && s.used[k] === 0).sort((a, b) => key(b) - key(a) || a - b);
      const blocks = placeSfeBlocks(s, map, 1, resolveSfeOptions({ maxHeight: 3, maxWidth: 3 }), createRng(trial));
      if (order.length === 0) expect(blocks).toEqual([]);
      else expect(blocks[0]!.anchor, `trial ${trial}`).toEqual([Math.floor(order[0]! / size), order[0]! % size]);
    }
  });

  it('puts the first anchor at the argmax and never anchors inside an earlier block', () => {
    const rng = createRng(2);
    for (let trial = 0; trial < 200; trial++) {
      const size = 32;
      const map = rng.fill(new Float32Array(size * size), 0, 1);
      let argmax = 0;
      map.forEach((v, k) => {
        if (v > map[argmax]!) argmax = k;
      });
      const s = state(size);
      const blocks = placeSfeBlocks(s, map, 6, resolveSfeOptions({ maxHeight: 10, maxWidth: 10 }), rng);
      expect(blocks).toHaveLength(6);
      expect(blocks[0]!.anchor).toEqual([Math.floor(argmax / size), argmax % size]);
      blocks.forEach((b, i) => {
        for (const earlier of blocks.slice(0, i)) expect(inside(earlier, b.anchor[0], b.anchor[1])).toBe(false);
        expect(blocks.slice(0, i).some((e) => e.anchor[0] === b.anchor[0] && e.anchor[1] === b.anchor[1])).toBe(false);
      });
      // The mask is exactly the union of the blocks.
      let wrong = 0;
      for (let k = 0; k < size * size; k++) {
        const covered = blocks.some((b) => inside(b, Math.floor(k / size), k % size));
        if (s.keep[k] !== (covered ? 0 : 1)) wrong++;
      }
      expect(wrong).toBe(0);
    }
  });

  it('code geometry: sides uniform in 1..max, and about 8.7 % of blocks miss their anchor', () => {
    const size = 241; // peak in the centre: a 120 px block is never clipped
    const rng = createRng(3);
    const map = peakMap(size, 120, 120, rng);
    const trials = 3000;
    const heights: number[] = [];
    let missed = 0;
    for (let t = 0; t < trials; t++) {
      const [b] = placeSfeBlocks(state(size), map, 1, code, rng);
      expect(b!.anchor).toEqual([120, 120]);
      heights.push(b!.bottom - b!.top, b!.right - b!.left);
      if (!inside(b!, 120, 120)) missed++;
    }
    expect(Math.min(...heights)).toBe(1);
    expect(Math.max(...heights)).toBe(120);
    const mean = heights.reduce((s, v) => s + v, 0) / heights.length;
    expect(Math.abs(mean - 60.5)).toBeLessThan(1.5);
    const bins = new Array<number>(12).fill(0);
    heights.forEach((v) => bins[Math.floor((v - 1) / 10)]!++);
    bins.forEach((c) => expect(Math.abs(c / (heights.length / 12) - 1)).toBeLessThan(0.2));
    // P(miss) = 1 - (1 - E[1/m])^2 with m uniform in 1..120 (sh = mh happens with probability 1/mh).
    let harmonic = 0;
    for (let m = 1; m <= 120; m++) harmonic += 1 / m;
    const expected = 1 - (1 - harmonic / 120) ** 2;
    expect(expected).toBeCloseTo(0.087, 2);
    expect(Math.abs(missed / trials - expected)).toBeLessThan(0.02);
  });

  it('paper geometry: blocks of exactly max size unless clipped, at every offset', () => {
    const size = 64;
    const rng = createRng(4);
    const options = resolveSfeOptions({ geometry: 'paper', maxHeight: 20, maxWidth: 12 });
    const tops = new Set<number>();
    for (let t = 0; t < 500; t++) {
      const [b] = placeSfeBlocks(state(size), peakMap(size, 30, 30, rng), 1, options, rng);
      expect([b!.bottom - b!.top, b!.right - b!.left]).toEqual([20, 12]);
      expect(30 - b!.top).toBeGreaterThanOrEqual(1);
      expect(30 - b!.top).toBeLessThanOrEqual(20);
      tops.add(b!.top);
    }
    expect(tops.size).toBe(20);
    // At the corner the block is clipped to the image.
    const [corner] = placeSfeBlocks(state(size), peakMap(size, 0, 0, rng), 1, options, rng);
    expect(corner!.top).toBe(0);
    expect(corner!.bottom).toBeLessThan(20);
  });

  it('scales fractional sizes with the image and keeps pixel sizes absolute', () => {
    const rng = createRng(5);
    const fraction = resolveSfeOptions({ geometry: 'paper', maxHeight: 0.3, maxWidth: 0.25 });
    const [b] = placeSfeBlocks(state(65), peakMap(65, 32, 32, rng), 1, fraction, rng);
    expect([b!.bottom - b!.top, b!.right - b!.left]).toEqual([20, 16]);
    const pixels = resolveSfeOptions({ geometry: 'paper', maxHeight: 5, maxWidth: 7 });
    const [c] = placeSfeBlocks(state(65), peakMap(65, 32, 32, rng), 1, pixels, rng);
    expect([c!.bottom - c!.top, c!.right - c!.left]).toEqual([5, 7]);
  });

  it('random anchors: uncovered, spread over the image, independent of any map', () => {
    const rng = createRng(6);
    const options = resolveSfeOptions({ anchors: 'random', maxHeight: 6, maxWidth: 6 });
    const rows = new Array<number>(4).fill(0);
    for (let t = 0; t < 400; t++) {
      const blocks = placeSfeBlocks(state(16), null, 3, options, rng);
      expect(blocks).toHaveLength(3);
      blocks.forEach((b, i) => {
        for (const earlier of blocks.slice(0, i)) expect(inside(earlier, b.anchor[0], b.anchor[1])).toBe(false);
        rows[Math.floor(b.anchor[0] / 4)]!++;
      });
    }
    rows.forEach((c) => expect(Math.abs(c / 300 - 1)).toBeLessThan(0.25));
  });

  it('stops when no pixel is left and validates its inputs', () => {
    const rng = createRng(7);
    const s = state(4);
    const blocks = placeSfeBlocks(s, new Float32Array(16), 50, resolveSfeOptions({ geometry: 'paper', maxHeight: 4, maxWidth: 4 }), rng);
    expect(blocks.length).toBeLessThan(50);
    expect(Array.from(s.keep).every((v, k) => v === 0 || s.used[k] === 1)).toBe(true);
    expect(() => placeSfeBlocks(state(4), null, 1, code, rng)).toThrow(RangeError);
    expect(() => placeSfeBlocks(state(4), new Float32Array(3), 1, code, rng)).toThrow(RangeError);
  });

  it('is deterministic for a seed', () => {
    const map = createRng(8).fill(new Float32Array(256), 0, 1);
    const options: SfeOptions = { maxHeight: 5, maxWidth: 5 };
    const a = placeSfeBlocks(state(16), map, 3, resolveSfeOptions(options), createRng(9));
    const b = placeSfeBlocks(state(16), map, 3, resolveSfeOptions(options), createRng(9));
    expect(a).toEqual(b);
  });
});
