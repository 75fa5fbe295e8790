import { createRng } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { resolveRandomErasingOptions } from './random-erasing-options.js';
import { sampleRandomErasingRects } from './rect-sampler.js';

const inside = (r: { top: number; bottom: number; left: number; right: number }, y: number, x: number) =>
  y >= r.top && y < r.bottom && x >= r.left && x < r.right;

describe('sampleRandomErasingRects', () => {
  it('reproduces the centre bias of Random Erasing at 224x224 (spec §5.5)', () => {
    const options = resolveRandomErasingOptions();
    const rng = createRng(2021);
    const draws = 20_000;
    let centre = 0;
    let corner = 0;
    let midEdge = 0;
    for (let i = 0; i < draws; i++) {
      const [rect] = sampleRandomErasingRects(224, 224, options, rng).rects;
      expect(rect).toBeDefined();
      if (inside(rect!, 112, 112)) centre++;
      if (inside(rect!, 0, 0)) corner++;
      if (inside(rect!, 0, 112)) midEdge++;
    }
    // Expected (conditioned on erasing): centre ~46 %, corner ~0.017 %, mid-edge ~1 %.
    // Binomial standard errors at 20k draws: 0.35 %, 0.01 %, 0.07 %.
    expect(centre / draws).toBeGreaterThan(0.44);
    expect(centre / draws).toBeLessThan(0.48);
    expect(corner / draws).toBeLessThan(0.001);
    expect(midEdge / draws).toBeGreaterThan(0.007);
    expect(midEdge / draws).toBeLessThan(0.013);
    expect(centre).toBeGreaterThan(30 * midEdge);
  });

  it('keeps area, aspect and position within bounds (up to rounding)', () => {
    const options = resolveRandomErasingOptions();
    const rng = createRng(7);
    for (const [H, W] of [[224, 224], [32, 48], [17, 9]] as const) {
      for (let i = 0; i < 2000; i++) {
        const { rects, attempts } = sampleRandomErasingRects(H, W, options, rng);
        expect(attempts).toBeGreaterThanOrEqual(1);
        expect(attempts).toBeLessThanOrEqual(100);
        if (rects.length === 0) continue;
        const [r] = rects;
        const h = r!.bottom - r!.top;
        const w = r!.right - r!.left;
        expect(r!.top).toBeGreaterThanOrEqual(0);
        expect(r!.left).toBeGreaterThanOrEqual(0);
        expect(r!.bottom).toBeLessThanOrEqual(H);
        expect(r!.right).toBeLessThanOrEqual(W);
        expect(h).toBeGreaterThanOrEqual(1);
        expect(h).toBeLessThan(H);
        expect(w).toBeLessThan(W);
        expect((h + 0.5) * (w + 0.5)).toBeGreaterThanOrEqual(0.02 * H * W);
        expect((h - 0.5) * (w - 0.5)).toBeLessThanOrEqual(0.4 * H * W);
        expect((h + 0.5) / Math.max(w - 0.5, 1e-9)).toBeGreaterThanOrEqual(0.3);
        expect((h - 0.5) / (w + 0.5)).toBeLessThanOrEqual(1 / 0.3);
      }
    }
  });

  it('reaches every valid top-left position, borders included', () => {
    // Area fixed at 0.25 of 8x8 with aspect 1: always a 4x4 box, top and left in {0..4}.
    const options = resolveRandomErasingOptions({ area: [0.25, 0.25], aspectRatio: [1, 1] });
    const rng = createRng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const [r] = sampleRandomErasingRects(8, 8, options, rng).rects;
      expect(r!.bottom - r!.top).toBe(4);
      expect(r!.right - r!.left).toBe(4);
      seen.add(`${r!.top},${r!.left}`);
    }
    expect(seen.size).toBe(25);
  });

  it('samples the aspect ratio uniformly by default and symmetrically when log-uniform', () => {
    const tall = (sampling: 'uniform' | 'log-uniform') => {
      const options = resolveRandomErasingOptions({ aspectSampling: sampling });
      const rng = createRng(11);
      let count = 0;
      for (let i = 0; i < 10_000; i++) {
        const [r] = sampleRandomErasingRects(224, 224, options, rng).rects;
        if (r!.bottom - r!.top > r!.right - r!.left) count++;
      }
      return count / 10_000;
    };
    // Uniform on [0.3, 3.33]: P(r > 1) ~ 0.77 before rejection of too-tall boxes; log-uniform: 0.5.
    expect(tall('uniform')).toBeGreaterThan(0.65);
    expect(Math.abs(tall('log-uniform') - 0.5)).toBeLessThan(0.03);
  });

  it('splits the area between several boxes', () => {
    const one = resolveRandomErasingOptions({ area: [0.3, 0.3], aspectRatio: [1, 1] });
    const three = resolveRandomErasingOptions({ area: [0.3, 0.3], aspectRatio: [1, 1], count: 3 });
    const r1 = sampleRandomErasingRects(100, 100, one, createRng(1));
    const r3 = sampleRandomErasingRects(100, 100, three, createRng(1));
    expect(r1.rects).toHaveLength(1);
    expect(r3.rects).toHaveLength(3);
    const size = (r: { top: number; bottom: number }) => r.bottom - r.top;
    expect(size(r1.rects[0]!)).toBe(Math.round(Math.sqrt(3000)));
    for (const r of r3.rects) expect(size(r)).toBe(Math.round(Math.sqrt(1000)));
    expect(r3.attempts).toBe(3);
  });

  it('gives up after maxAttempts when no rectangle fits', () => {
    // A 1-pixel-high image: h < H = 1 and h >= 1 cannot both hold.
    const options = resolveRandomErasingOptions({ maxAttempts: 7, count: 2 });
    const out = sampleRandomErasingRects(1, 50, options, createRng(5));
    expect(out.rects).toEqual([]);
    expect(out.attempts).toBe(14);
  });

  it('is a pure function of its inputs and the generator state', () => {
    const options = resolveRandomErasingOptions({ count: 2 });
    const a = Array.from({ length: 50 }, ((rng) => () => sampleRandomErasingRects(64, 64, options, rng))(createRng(9)));
    const b = Array.from({ length: 50 }, ((rng) => () => sampleRandomErasingRects(64, 64, options, rng))(createRng(9)));
    expect(a).toEqual(b);
  });
});
