/**
 * The dataset model shared by the folder and manifest loaders.
 *
 * @packageDocumentation
 */

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
