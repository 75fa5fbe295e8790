/**
 * The dataset model shared by the folder and manifest loaders.
 *
 * @packageDocumentation
 */

import { DatasetError } from './errors.js';

/** A split name. */
export type Split = 'train' | 'validation' | 'test';

/** The three splits, in order. */
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** Image file extensions the loaders pick up (lower case; matching ignores case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp'];

/** Technique of every real image. */
export const REAL_TECHNIQUE = 'real';

/** Technique of fakes without a named technique (files directly in `fake/`). */
export const FAKE_TECHNIQUE = 'fake';

/** One labelled image of a dataset. */
export interface DatasetItem {
  /** Path relative to the dataset root, with `/` separators; unique, used as the item's id. */
  readonly id: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** 0 = real, 1 = fake. */
  readonly label: 0 | 1;
  /** Forgery technique of a fake (`fake` when unnamed); always `real` for reals. */
  readonly technique: string;
  /** Split fixed by the manifest, if any. */
  readonly split?: Split;
  /** Video or identity the image comes from: images of one group never land in two splits. */
  readonly group?: string;
}

/** A loaded dataset, items sorted by `id` (code-unit order, locale independent). */
export interface Dataset {
  /** The folder (or the manifest's folder) that item ids are relative to. */
  readonly root: string;
  /** The folder or manifest file that was loaded. */
  readonly source: string;
  /** How it was described. */
  readonly kind: 'folder' | 'manifest' | 'deepfakebench';
  /** The images, sorted by `id`. */
  readonly items: readonly DatasetItem[];
}

/**
 * Counts of a dataset or item list, e.g. for a run log.
 *
 * @param items - dataset items
 * @returns real and fake counts and the count of each technique
 */
export function countItems(items: readonly DatasetItem[]): { real: number; fake: number; techniques: Record<string, number> } {
  const techniques: Record<string, number> = {};
  let fake = 0;
  for (const it of items) {
    fake += it.label;
    techniques[it.technique] = (techniques[it.technique] ?? 0) + 1;
  }
  return { real: items.length - fake, fake, techniques };
}

/**
 * Whether a file name has one of the {@link IMAGE_EXTENSIONS}.
 *
 * @param name - a file name or path
 */
export function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Code-unit string order (stable across locales and ICU versions).
 *
 * @param a - first string
 * @param b - second string
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Checks that a split holds both classes, so that a run fails before its first iteration (not when
 * it first scores validation) and says which split lacks what.
 *
 * @param split - the split's name, e.g. `validation`
 * @param items - the split's usable items (after unreadable files were skipped)
 * @param source - the dataset folder or manifest, for the message
 * @param skipped - how many of the split's files were skipped as unreadable
 * @throws {@link DatasetError} naming the split, its counts and the missing class
 */
export function requireBothClasses(split: string, items: readonly DatasetItem[], source: string, skipped = 0): void {
  const { real, fake } = countItems(items);
  if (real > 0 && fake > 0) return;
  const missing = real === 0 && fake === 0 ? 'any image' : real === 0 ? 'a real image' : 'a fake image';
  throw new DatasetError(
    source,
    `the ${split} split has ${real} real and ${fake} fake image(s)${skipped ? ` after skipping ${skipped} unreadable file(s)` : ''}; it lacks ${missing}. ` +
      'Add images of the missing class, or change the split (its fractions or seed, or the split column of the manifest).',
  );
}
