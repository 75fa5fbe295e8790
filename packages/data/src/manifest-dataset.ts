/**
 * Datasets described by a CSV manifest: `path,label,technique,split,group`.
 *
 * @packageDocumentation
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { errorMessage } from '@rfm/core';
import {
  compareIds,
  FAKE_TECHNIQUE,
  IMAGE_EXTENSIONS,
  isImageFile,
  REAL_TECHNIQUE,
  type Dataset,
  type DatasetItem,
  type Split,
} from './dataset.js';
import { CsvSyntaxError, parseCsv, type CsvRecord } from '@rfm/metrics';
import { DatasetError } from './errors.js';

/** Columns a manifest may have; `path` and `label` are required. */
export const MANIFEST_COLUMNS: readonly string[] = ['path', 'label', 'technique', 'split', 'group'];

/**
 * Loads a CSV manifest. The header names the columns (any order, any case; unknown columns are
 * ignored): `path` (relative to the manifest's folder, `/` or `\` separators), `label` (`real`/`fake`
 * or `0`/`1`), optional `technique` (reals always get `real`; an empty technique of a fake is
 * `fake`), optional `split` (`train`, `validation` or `val`, `test`; empty = assigned by
 * {@link splitDataset}) and optional `group` (video or identity). Fields may be double-quoted.
 * Blank lines and lines starting with `#` are skipped.
 *
 * Paths are checked lexically: absolute paths and paths that leave the manifest's folder (`..`)
 * are refused. Symbolic links inside the folder are followed.
 *
 * @param manifestPath - the CSV file
 * @returns the dataset, rooted at the manifest's folder, items sorted by id
 * @throws {@link DatasetError} naming the line for a bad row, an escaping, missing, duplicate or
 *   non-image path, or when the manifest has no header or no row
 * @example
 * ```ts
 * // faces.csv:  path,label,technique,split,group
 * //             real/a.jpg,real,,train,id01
 * //             fake/df/a.jpg,fake,deepfakes,,id01
 * const ds = await loadManifestDataset('faces.csv');
 * ```
 */
export async function loadManifestDataset(manifestPath: string): Promise<Dataset> {
  const source = resolve(manifestPath);
  const root = dirname(source);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (e) {
    throw new DatasetError(manifestPath, `cannot read the manifest (${errorMessage(e)}).`, undefined, { cause: e });
  }
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new DatasetError(manifestPath, 'unterminated quoted field.', e.line);
    throw e;
  }
  let header: Map<string, number> | undefined;
  const items: DatasetItem[] = [];
  const seen = new Map<string, number>();
  for (const { fields, line: lineNo } of records) {
    if (!header) {
      header = new Map(fields.map((f, c) => [f.trim().toLowerCase(), c]));
      for (const required of ['path', 'label']) {
        if (!header.has(required)) {
          throw new DatasetError(
            manifestPath,
            `the header has no "${required}" column; expected a header like ${MANIFEST_COLUMNS.join(',')}.`,
            lineNo,
          );
        }
      }
      continue;
    }
    const get = (col: string): string => {
      const c = header!.get(col);
      return c === undefined ? '' : (fields[c] ?? '').trim();
    };
    const fail = (why: string): never => {
      throw new DatasetError(manifestPath, why, lineNo);
    };

    const rawPath = get('path');
    if (rawPath === '') fail('empty path.');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rawPath)) {
      fail(`path "${rawPath}" is a URL; rfm reads local files only: mount the store as a filesystem (e.g. s3fs, rclone mount, gcsfuse) and list paths relative to the manifest's folder.`);
    }
    const relPath = rawPath.replace(/\\/g, '/');
    if (isAbsolute(relPath) || /^[a-zA-Z]:/.test(relPath)) {
      fail(`path "${rawPath}" is absolute; manifest paths must be relative to the manifest's folder.`);
    }
    const abs = resolve(root, relPath);
    const rel = relative(root, abs);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      fail(`path "${rawPath}" leaves the manifest's folder ${root}; move the manifest up or the images in.`);
    }
    const id = rel.split(sep).join('/');
    if (!isImageFile(id)) fail(`"${rawPath}" is not an image file (expected ${IMAGE_EXTENSIONS.join(' ')}).`);
    const previous = seen.get(id);
    if (previous !== undefined) fail(`"${rawPath}" is listed twice (first on line ${previous}).`);
    seen.set(id, lineNo);
    const info = await stat(abs).catch(() => undefined);
    if (!info?.isFile()) fail(`file "${rawPath}" does not exist (looked for ${abs}).`);

    const labelText = get('label');
    const label = parseLabel(labelText);
    if (label === undefined) fail(`label "${labelText}" is not real/fake or 0/1.`);
    const splitText = get('split');
    const split = parseSplit(splitText);
    if (split === null) fail(`split "${splitText}" is not train, validation (val) or test.`);
    const techniqueText = get('technique');
    if (label === 1 && techniqueText.toLowerCase() === REAL_TECHNIQUE) {
      fail(`a fake image has technique "${techniqueText}", the name of the real class; rename the technique.`);
    }
    const technique = label === 0 ? REAL_TECHNIQUE : techniqueText === '' ? FAKE_TECHNIQUE : techniqueText;
    const group = get('group');
    items.push({
      id,
      path: abs,
      label: label!,
      technique,
      ...(split ? { split } : {}),
      ...(group === '' ? {} : { group }),
    });
  }
  if (!header) throw new DatasetError(manifestPath, `the manifest is empty; expected a header like ${MANIFEST_COLUMNS.join(',')}.`);
  if (items.length === 0) throw new DatasetError(manifestPath, 'the manifest has a header but no rows.');
  items.sort((a, b) => compareIds(a.id, b.id));
  return { root, source, kind: 'manifest', items };
}

/**
 * Parses a label: `real`/`0` → 0, `fake`/`1` → 1 (any case), otherwise `undefined`.
 *
 * @param text - the label field
 */
export function parseLabel(text: string): 0 | 1 | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'real' || t === '0') return 0;
  if (t === 'fake' || t === '1') return 1;
  return undefined;
}

/**
 * Parses a split: empty → `undefined`; `train`, `validation`/`val`/`valid`, `test` (any case);
 * anything else → `null`.
 *
 * @param text - the split field
 */
export function parseSplit(text: string): Split | undefined | null {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if (t === 'train') return 'train';
  if (t === 'validation' || t === 'val' || t === 'valid') return 'validation';
  if (t === 'test') return 'test';
  return null;
}
