/**
 * Fixed splits of a folder dataset: an optional `splits.csv` beside `real/` and `fake/`.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Split } from './dataset.js';
import { DatasetError } from './errors.js';
import { CsvSyntaxError, parseCsv, type CsvRecord } from '@rfm/metrics';
import { parseSplit } from './manifest-dataset.js';

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
  let records: CsvRecord[];
  try {
    records = parseCsv(text, { skipComments: false });
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new DatasetError(path, `line ${e.line}: unterminated quoted field.`);
    throw e;
  }
  const header = records[0]?.fields.map((h) => h.trim().toLowerCase());
  if (header?.[0] !== 'id' || header[1] !== 'split') throw new DatasetError(path, 'must start with the header "id,split".');
  const out = new Map<string, Split>();
  for (const { fields, line } of records.slice(1)) {
    if (fields.length === 1 && fields[0]!.trim() === '') continue;
    const split = fields.length === 2 ? parseSplit(fields[1]!) : null;
    if (!split) throw new DatasetError(path, `line ${line} ("${fields.join(',')}") is not "id,train|validation|test".`);
    out.set(fields[0]!.trim(), split);
  }
  return out;
}
