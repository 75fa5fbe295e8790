/**
 * Datasets described by a folder layout: `real/` and `fake/`, with optional technique
 * sub-folders `fake/<technique>/`.
 *
 * @packageDocumentation
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { requireOption, silentLogger, type Logger } from '@rfm/core';
import {
  compareIds,
  FAKE_TECHNIQUE,
  isImageFile,
  REAL_TECHNIQUE,
  type Dataset,
  type DatasetItem,
} from './dataset.js';
import { DatasetError } from './errors.js';
import { readFolderSplits } from './folder-splits.js';

/** Options of {@link loadFolderDataset}. */
export interface FolderDatasetOptions {
  /**
   * Derives each image's group (video or identity) from its id (path relative to the root, `/`
   * separated): the first capture group of the match, or the whole match; no match = no group.
   * For example `/^(?:real|fake\/[^/]+)\/([^/]+)\//` groups frames by their video folder.
   * @default undefined (every image is its own group)
   */
  readonly groupPattern?: RegExp | string;
  /** Receives a debug line listing ignored non-image files. @default silentLogger */
  readonly logger?: Logger;
}

/**
 * Loads a folder dataset. Every image (`.jpg .jpeg .png .webp`, any case) under `real/` is real
 * (technique `real`); under `fake/` it is fake, with technique `<name>` when it sits in
 * `fake/<name>/…` and `fake` when directly in `fake/`. Hidden files and folders are skipped,
 * non-image files ignored. Items are sorted by id. An optional `splits.csv` at the root fixes the
 * split of the images it lists (see {@link readFolderSplits}).
 *
 * @param root - the folder holding `real/` and `fake/`
 * @param options - grouping and logging
 * @throws {@link DatasetError} when `real/` or `fake/` is missing or no image is found
 * @example
 * ```ts
 * const ds = await loadFolderDataset('data/ffhq-stylegan2');
 * ds.items.length; // 139
 * ```
 */
export async function loadFolderDataset(root: string, options: FolderDatasetOptions = {}): Promise<Dataset> {
  const absRoot = resolve(root);
  const logger = options.logger ?? silentLogger;
  const pattern = toRegExp(options.groupPattern);
  const ignored: string[] = [];
  const items: DatasetItem[] = [];
  const fixedSplits = await readFolderSplits(absRoot);
  for (const cls of ['real', 'fake'] as const) {
    const dir = join(absRoot, cls);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new DatasetError(root, `no "${cls}/" folder; a folder dataset needs real/ and fake/ (optionally fake/<technique>/).`);
    }
    for (const rel of await walk(dir, '', ignored)) {
      const id = `${cls}/${rel}`;
      const slash = rel.indexOf('/');
      const technique = cls === 'real' ? REAL_TECHNIQUE : slash < 0 ? FAKE_TECHNIQUE : rel.slice(0, slash);
      if (cls === 'fake' && technique !== FAKE_TECHNIQUE && technique.toLowerCase() === REAL_TECHNIQUE) {
        throw new DatasetError(root, `fake/${technique}/ is named like the real class; its fakes would be merged with the reals. Rename the folder.`);
      }
      const group = pattern ? groupOf(id, pattern) : undefined;
      const split = fixedSplits?.get(id);
      items.push({
        id,
        path: join(dir, ...rel.split('/')),
        label: cls === 'real' ? 0 : 1,
        technique,
        ...(group === undefined ? {} : { group }),
        ...(split === undefined ? {} : { split }),
      });
    }
  }
  if (ignored.length > 0) logger.debug(`ignored ${ignored.length} non-image file(s)`, { root, files: ignored.slice(0, 20) });
  if (items.length === 0) throw new DatasetError(root, 'no image (.jpg .jpeg .png .webp) found under real/ or fake/.');
  items.sort((a, b) => compareIds(a.id, b.id));
  return { root: absRoot, source: absRoot, kind: 'folder', items };
}

async function walk(dir: string, prefix: string, ignored: string[]): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walk(join(dir, e.name), rel, ignored)));
    else if ((e.isFile() || e.isSymbolicLink()) && isImageFile(e.name)) out.push(rel);
    else ignored.push(rel);
  }
  return out;
}

function toRegExp(p: RegExp | string | undefined): RegExp | undefined {
  if (p === undefined) return undefined;
  if (p instanceof RegExp) return new RegExp(p.source, p.flags.replace(/[gy]/g, ''));
  try {
    return new RegExp(p);
  } catch {
    requireOption(false, 'groupPattern', p, 'a valid regular expression');
  }
}

function groupOf(id: string, pattern: RegExp): string | undefined {
  const m = pattern.exec(id);
  if (!m) return undefined;
  return m[1] ?? m[0];
}
