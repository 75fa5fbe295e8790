/**
 * Atomic file and folder writes: content goes to a temporary sibling first and is renamed into
 * place, so a crash never leaves a half-written file behind.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` atomically (temp file + rename in the same folder).
 *
 * @param path - destination
 * @param data - bytes or text
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Fills a fresh temporary folder with `fill(tmpDir)` and then swaps it in for `dir`. The previous
 * `dir` is kept as `dir.old` until the swap is complete, so one complete copy exists at every moment.
 *
 * @param dir - destination folder
 * @param fill - writes the folder's content
 */
export function replaceDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  const old = `${dir}.old`;
  mkdirSync(tmp);
  try {
    fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/**
 * The folder to read after {@link replaceDirAtomic}: `dir`, or `dir.old` if a crash happened
 * between the two renames. Undefined when neither exists.
 */
export function readableDir(dir: string): string | undefined {
  if (existsSync(dir)) return dir;
  if (existsSync(`${dir}.old`)) return `${dir}.old`;
  return undefined;
}
