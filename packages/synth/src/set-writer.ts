/**
 * Writing synthesised test sets: PNG images and masks, a manifest `rfm train` / `rfm eval` read,
 * all inside a temporary folder renamed into place at the end.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidOptionError } from '@rfm/core';
import type { DecodedImage } from '@rfm/data';
import sharp from 'sharp';
import type { Mask } from './mask.js';

/**
 * Runs `fill(tmpDir)` in a fresh temporary folder beside `out` and renames it to `out` when it
 * succeeds; on failure the temporary folder is removed and nothing appears at `out`.
 *
 * @param out - the destination folder; must not exist or be empty
 * @param fill - writes the content
 * @throws `InvalidOptionError` when `out` exists and is not empty
 */
export async function writeSetAtomically<T>(out: string, fill: (tmpDir: string) => Promise<T>): Promise<T> {
  assertFreshOut(out);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.${Date.now()}.tmp`);
  mkdirSync(tmp);
  try {
    const result = await fill(tmp);
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(tmp, out);
    return result;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Checks that an output folder does not exist yet or is empty.
 *
 * @param out - the folder
 * @throws `InvalidOptionError` otherwise
 */
export function assertFreshOut(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) throw new InvalidOptionError('out', out, 'a folder that does not exist yet or is empty (nothing is overwritten)');
}

/**
 * Writes an 8-bit RGB image as PNG, creating the folder.
 *
 * @param path - destination
 * @param image - pixels
 */
export async function writePng(path: string, image: DecodedImage): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path);
}

/**
 * Writes a mask as an 8-bit grey PNG (0 = untouched, 255 = fully replaced).
 *
 * @param path - destination
 * @param mask - weights in [0, 1]
 */
export async function writeMaskPng(path: string, mask: Mask): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const grey = new Uint8Array(mask.data.length);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, Math.max(0, mask.data[i]!)) * 255);
  await sharp(grey, { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toFile(path);
}

/** One manifest row. */
export interface ManifestRow {
  /** Path relative to the manifest. */
  readonly path: string;
  /** `real` or `fake`. */
  readonly label: 'real' | 'fake';
  /** Technique. */
  readonly technique: string;
  /** Group (video or identity; images of one group never land in two splits). */
  readonly group: string;
}

/**
 * The CSV text of a manifest (`path,label,technique,group`), fields quoted when needed.
 *
 * @param rows - the rows
 */
export function manifestCsv(rows: readonly ManifestRow[]): string {
  const q = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `path,label,technique,group\n${rows.map((r) => [r.path, r.label, r.technique, r.group].map(q).join(',')).join('\n')}\n`;
}

/**
 * A file-name-safe stem of an item id (`a/b c.jpg` -> `a_b_c`).
 *
 * @param id - a dataset item id
 */
export function safeStem(id: string): string {
  return id.replace(/\.[^./]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Writes a JSON file.
 *
 * @param path - destination
 * @param value - any JSON value
 */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
