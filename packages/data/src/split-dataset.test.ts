import { InvalidOptionError } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { DatasetError, groupKey, splitDataset, type DatasetItem, type DatasetSplits, type Split } from './index.js';

/** Items without files (splitting never reads them). Every `perGroup` consecutive items share a group. */
function items(n: number, opts: { perGroup?: number; prefix?: string; fakeEvery?: number } = {}): DatasetItem[] {
  const { perGroup = 1, prefix = 'x', fakeEvery = 2 } = opts;
  return Array.from({ length: n }, (_, i) => {
    const g = Math.floor(i / perGroup);
    return {
      id: `${prefix}/${String(i).padStart(5, '0')}.png`,
      path: `/nowhere/${prefix}/${i}.png`,
      label: g % fakeEvery === 0 ? 1 : 0,
      technique: g % fakeEvery === 0 ? 'fake' : 'real',
      ...(perGroup > 1 ? { group: `${prefix}-g${g}` } : {}),
    } satisfies DatasetItem;
  });
}

function splitOf(s: DatasetSplits): Map<string, Split> {
  const m = new Map<string, Split>();
  for (const name of ['train', 'validation', 'test'] as const) for (const it of s[name]) m.set(it.id, name);
  return m;
}

describe('splitDataset', () => {
  it('never puts one group in two splits and keeps every item exactly once', () => {
    const all = items(600, { perGroup: 6 });
    const s = splitDataset(all, { seed: 3 });
    const m = splitOf(s);
    expect(m.size).toBe(all.length);
    const groupSplit = new Map<string, Split>();
    for (const it of all) {
      const k = groupKey(it);
      const prev = groupSplit.get(k);
      if (prev !== undefined) expect(m.get(it.id)).toBe(prev);
      groupSplit.set(k, m.get(it.id)!);
    }
    expect(new Set(groupSplit.values()).size).toBe(3);
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const all = items(300);
    const a = splitOf(splitDataset(all, { seed: 7 }));
    const b = splitOf(splitDataset([...all].reverse(), { seed: 7 }));
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    const c = splitOf(splitDataset(all, { seed: 8 }));
    const changed = all.filter((it) => a.get(it.id) !== c.get(it.id)).length;
    expect(changed).toBeGreaterThan(50);
  });

  it('is stable: adding unrelated items moves no existing item', () => {
    const base = items(400, { perGroup: 2 });
    const before = splitDataset(base, { seed: 1 });
    expect(before.rebalanced).toEqual([]);
    const grown = [...base, ...items(250, { perGroup: 5, prefix: 'new' })];
    const after = splitOf(splitDataset(grown, { seed: 1 }));
    const old = splitOf(before);
    for (const [id, s] of old) expect(after.get(id)).toBe(s);
  });

  it('approaches the fractions and stratifies by label on a large set', () => {
    const all = items(4000);
    const s = splitDataset(all, { seed: 0, fractions: { train: 0.6, validation: 0.25, test: 0.15 } });
    expect(s.train.length / all.length).toBeCloseTo(0.6, 1);
    expect(s.validation.length / all.length).toBeCloseTo(0.25, 1);
    expect(s.test.length / all.length).toBeCloseTo(0.15, 1);
    for (const part of [s.train, s.validation, s.test]) {
      const fakeShare = part.filter((it) => it.label === 1).length / part.length;
      expect(fakeShare).toBeGreaterThan(0.4);
      expect(fakeShare).toBeLessThan(0.6);
    }
  });

  it('repairs a small set so each split gets both classes, moving few groups', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = splitDataset(items(12), { seed });
      for (const part of [s.train, s.validation, s.test]) {
        expect(new Set(part.map((it) => it.label)), `seed ${seed}`).toEqual(new Set([0, 1]));
      }
      expect(s.rebalanced.length).toBeLessThanOrEqual(6);
    }
  });

  it('lets the manifest split win, for the whole group', () => {
    const all = items(40, { perGroup: 2 });
    const fixed = all.map((it, i) => (i === 0 ? { ...it, split: 'test' as const } : i === 4 ? { ...it, split: 'validation' as const } : it));
    const m = splitOf(splitDataset(fixed, { seed: 2 }));
    expect(m.get(fixed[0]!.id)).toBe('test');
    expect(m.get(fixed[1]!.id)).toBe('test'); // same group, no split of its own
    expect(m.get(fixed[4]!.id)).toBe('validation');
    expect(m.get(fixed[5]!.id)).toBe('validation');
  });

  it('refuses a group marked with two splits', () => {
    const all = items(4, { perGroup: 2 }).map((it, i) => ({ ...it, split: i === 0 ? ('train' as const) : ('test' as const) }));
    expect(() => splitDataset(all)).toThrow(DatasetError);
  });

  it('validates fractions', () => {
    expect(() => splitDataset(items(4), { fractions: { train: 0.5, validation: 0.2, test: 0.2 } })).toThrow(InvalidOptionError);
    expect(() => splitDataset(items(4), { fractions: { train: 0, validation: 0.5, test: 0.5 } })).toThrow(InvalidOptionError);
    const s = splitDataset(items(50), { fractions: { train: 0.8, validation: 0.2, test: 0 } });
    expect(s.test).toEqual([]);
  });
});
