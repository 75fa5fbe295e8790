/**
 * One entry point for both dataset descriptions, plus the content hash for the run log.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '@rfm/core';
import { compareIds, type Dataset, type DatasetItem } from './dataset.js';
import { DatasetError } from './errors.js';
import { loadFolderDataset, type FolderDatasetOptions } from './folder-dataset.js';
import { loadManifestDataset } from './manifest-dataset.js';
import { loadDeepfakeBenchDataset } from './deepfakebench-dataset.js';

/**
 * Loads a dataset from a folder (`real/`, `fake/`), a `.csv` manifest or a DeepfakeBench `.json`
 * (frame paths relative to the JSON's folder), whichever `path` is.
 *
 * @param path - a folder or a CSV file
 * @param options - folder options (ignored for a manifest)
 * @throws {@link DatasetError} when `path` does not exist or is unusable
 * @example
 * ```ts
 * const ds = await loadDataset(process.argv[2]!);
 * ```
 */
export async function loadDataset(path: string, options: FolderDatasetOptions = {}): Promise<Dataset> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new DatasetError(path, 'does not exist; pass a folder with real/ and fake/, or a .csv manifest.');
  if (info.isDirectory()) return loadFolderDataset(path, options);
  if (path.toLowerCase().endsWith('.csv')) return loadManifestDataset(path);
  if (path.toLowerCase().endsWith('.json')) return loadDeepfakeBenchDataset(path);
  throw new DatasetError(path, 'is neither a folder, a .csv manifest nor a DeepfakeBench .json.');
}

/**
 * SHA-256 of the dataset's content, for the run log: for each item in id order, its id, label and
 * byte length, then the file's bytes. Renaming, relabelling or editing any image changes it;
 * techniques, splits and groups do not enter it.
 *
 * @param dataset - a dataset or an item list
 * @returns 64 hex digits
 * @throws {@link DatasetError} when a file cannot be read
 */
export async function datasetHash(dataset: Dataset | readonly DatasetItem[]): Promise<string> {
  const items = [...('items' in dataset ? dataset.items : dataset)].sort((a, b) => compareIds(a.id, b.id));
  const hash = createHash('sha256');
  for (const it of items) {
    let bytes: Buffer;
    try {
      bytes = await readFile(it.path);
    } catch (e) {
      throw new DatasetError(it.path, `cannot read for the dataset hash (${errorMessage(e)}).`, undefined, { cause: e });
    }
    hash.update(`${it.id}\n${it.label}\n${bytes.length}\n`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
