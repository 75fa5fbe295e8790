/**
 * Seeded, stable, group-safe train/validation/test splits.
 *
 * Method (version 1):
 * 1. Items are gathered into groups: the manifest's `group` (a video or an identity), or the item
 *    alone when it has none. A group is never divided between splits.
 * 2. A group with a manifest `split` keeps it (every item of it, even those without a value; two
 *    different values in one group are an error).
 * 3. Every other group draws a number u ∈ [0, 1) from SHA-256 of (seed, group key) and goes to
 *    `train` if u < f_train, `validation` if u < f_train + f_validation, `test` otherwise. A group's
 *    split thus depends only on its key, the seed and the fractions: adding or removing other
 *    items never moves it, and the fractions hold in expectation (binomial spread).
 * 4. Stratification repair (`stratify`): when a split with a non-zero fraction has no image of a
 *    class although that class has enough groups, the single-class group of that class whose u is
 *    nearest to the split's interval moves there, taken from a split that keeps at least one
 *    other group of the class. This only happens on very small sets; moved groups are listed in
 *    `rebalanced`, and only they can change split when items are added later.
 *
 * The split uses a hash of the seed rather than the run's {@link Rng}: that is what makes it stable.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { requireOption } from '@rfm/core';
import { SPLITS, type Dataset, type DatasetItem, type Split } from './dataset.js';
import { DatasetError } from './errors.js';

/** Fractions of the three splits (summing to 1). */
export interface SplitFractions {
  /** Share of groups in training. */
  readonly train: number;
  /** Share of groups in validation. */
  readonly validation: number;
  /** Share of groups in test. */
  readonly test: number;
}

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /**
   * Seed of the split. Kept apart from the training seed, so a new training seed keeps the split.
   * @default 0
   */
  readonly seed?: number;
  /**
   * Target shares of groups per split; each in [0, 1], summing to 1, train > 0.
   * @default { train: 0.7, validation: 0.15, test: 0.15 }
   */
  readonly fractions?: SplitFractions;
  /**
   * Repair splits that would miss a class (step 4 of the method).
   * @default true
   */
  readonly stratify?: boolean;
}

/** Options with every default filled in. */
export type ResolvedSplitOptions = Required<SplitOptions>;

/** Defaults of {@link SplitOptions}. */
export const SPLIT_DEFAULTS: ResolvedSplitOptions = {
  seed: 0,
  fractions: { train: 0.7, validation: 0.15, test: 0.15 },
  stratify: true,
};

/** The result of {@link splitDataset}. */
export interface DatasetSplits {
  /** Training items, in input order. */
  readonly train: readonly DatasetItem[];
  /** Validation items, in input order. */
  readonly validation: readonly DatasetItem[];
  /** Test items, in input order. */
  readonly test: readonly DatasetItem[];
  /** Group keys moved by the stratification repair (usually empty). */
  readonly rebalanced: readonly string[];
}

/**
 * Validates split options.
 *
 * @param options - user options
 * @throws `InvalidOptionError` naming the bad option
 */
export function resolveSplitOptions(options: SplitOptions = {}): ResolvedSplitOptions {
  const o: ResolvedSplitOptions = {
    seed: options.seed ?? SPLIT_DEFAULTS.seed,
    fractions: options.fractions ?? SPLIT_DEFAULTS.fractions,
    stratify: options.stratify ?? SPLIT_DEFAULTS.stratify,
  };
  requireOption(Number.isFinite(o.seed), 'seed', o.seed, 'a finite number');
  const f = o.fractions;
  for (const s of SPLITS) {
    requireOption(typeof f[s] === 'number' && f[s] >= 0 && f[s] <= 1, `fractions.${s}`, f[s], 'a number in [0, 1]');
  }
  requireOption(f.train > 0, 'fractions.train', f.train, 'a number > 0');
  const sum = f.train + f.validation + f.test;
  requireOption(Math.abs(sum - 1) < 1e-9, 'fractions', f, 'train + validation + test = 1');
  return o;
}

/**
 * Splits items into train, validation and test without ever putting one group in two splits,
 * deterministically for a seed and stably as items are added (see the method above).
 *
 * @param dataset - a dataset or an item list
 * @param options - seed, fractions, stratification
 * @throws {@link DatasetError} when a group carries two different manifest splits
 * @example
 * ```ts
 * const { train, validation, test } = splitDataset(await loadDataset('data/ffhq-stylegan2'), { seed: 1 });
 * ```
 */
export function splitDataset(dataset: Dataset | readonly DatasetItem[], options: SplitOptions = {}): DatasetSplits {
  const o = resolveSplitOptions(options);
  const items = 'items' in dataset ? dataset.items : dataset;
  const groups = new Map<string, GroupInfo>();
  for (const it of items) {
    const key = groupKey(it);
    let g = groups.get(key);
    if (!g) {
      g = { key, labels: new Set(), fixed: undefined, split: 'train', u: 0 };
      groups.set(key, g);
    }
    g.labels.add(it.label);
    if (it.split !== undefined) {
      if (g.fixed !== undefined && g.fixed !== it.split) {
        throw new DatasetError(
          it.id,
          `group "${it.group}" is marked both ${g.fixed} and ${it.split}; a group must stay in one split.`,
        );
      }
      g.fixed = it.split;
    }
  }
  const f = o.fractions;
  for (const g of groups.values()) {
    g.u = unitHash(o.seed, g.key);
    g.split = g.fixed ?? (g.u < f.train ? 'train' : g.u < f.train + f.validation ? 'validation' : 'test');
  }
  const rebalanced = o.stratify ? repair([...groups.values()], f) : [];
  const out: Record<Split, DatasetItem[]> = { train: [], validation: [], test: [] };
  for (const it of items) out[groups.get(groupKey(it))!.split].push(it);
  return { ...out, rebalanced };
}

/**
 * The key identifying an item's group: `group:<name>`, or `item:<id>` for an item without group.
 *
 * @param item - a dataset item
 */
export function groupKey(item: DatasetItem): string {
  return item.group !== undefined && item.group !== '' ? `group:${item.group}` : `item:${item.id}`;
}

/**
 * A deterministic number in [0, 1) from the seed and a key (48 bits of SHA-256).
 *
 * @param seed - split seed
 * @param key - group key
 */
export function unitHash(seed: number, key: string): number {
  const digest = createHash('sha256').update(`rfm-split-v1\u0000${seed}\u0000${key}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

interface GroupInfo {
  readonly key: string;
  readonly labels: Set<0 | 1>;
  fixed: Split | undefined;
  split: Split;
  u: number;
}

function repair(groups: GroupInfo[], f: SplitFractions): string[] {
  const moved: string[] = [];
  const bounds: Record<Split, [number, number]> = {
    train: [0, f.train],
    validation: [f.train, f.train + f.validation],
    test: [f.train + f.validation, 1],
  };
  for (const label of [0, 1] as const) {
    for (const target of SPLITS) {
      if (f[target] === 0) continue;
      if (groups.some((g) => g.split === target && g.labels.has(label))) continue;
      const withLabel: Record<Split, number> = { train: 0, validation: 0, test: 0 };
      for (const g of groups) if (g.labels.has(label)) withLabel[g.split]++;
      const [lo, hi] = bounds[target];
      const donors = groups
        .filter((g) => g.fixed === undefined && g.labels.size === 1 && g.labels.has(label) && withLabel[g.split] >= 2)
        .map((g) => ({ g, d: g.u < lo ? lo - g.u : g.u - hi }))
        .sort((a, b) => a.d - b.d || (a.g.key < b.g.key ? -1 : 1));
      const pick = donors[0];
      if (!pick) continue;
      pick.g.split = target;
      moved.push(pick.g.key);
    }
  }
  return moved;
}
