/**
 * Fixed splits of a folder dataset: an optional `splits.csv` beside `real/` and `fake/`.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Split } from './dataset.js';
import { DatasetError } from './errors.js';
import { parseSplit, splitCsvFields } from './manifest-dataset.js';

/** Name of the file holding a folder dataset's fixed splits. */
export const FOLDER_SPLITS_FILE = 'splits.csv';

/**
 * Reads `ROOT/splits.csv` (header `id,split`; one line per image id such as `real/a.jpg`, split
 * `train`, `validation` or `test`). Images it does not list are split by {@link splitDataset} as
 * usual; ids it lists that are not in the folder are ignored.
 *
 * @param root - the dataset folder
 * @returns id → split, or `undefined` when the folder has no `splits.csv`
 * @throws {@link DatasetError} naming the line when the file is malformed
 */
export async function readFolderSplits(root: string): Promise<Map<string, Split> | undefined> {
  const path = join(root, FOLDER_SPLITS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvFields(lines[0] ?? '')?.map((h) => h.trim().toLowerCase());
  if (header?.[0] !== 'id' || header[1] !== 'split') throw new DatasetError(path, 'must start with the header "id,split".');
  const out = new Map<string, Split>();
  for (const [i, raw] of lines.entries()) {
    if (i === 0 || raw.trim() === '') continue;
    const fields = splitCsvFields(raw);
    const split = fields && fields.length === 2 ? parseSplit(fields[1]!) : null;
    if (!fields || !split) throw new DatasetError(path, `line ${i + 1} ("${raw}") is not "id,train|validation|test".`);
    out.set(fields[0]!.trim(), split);
  }
  return out;
}
