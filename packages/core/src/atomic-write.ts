/**
 * Safe output: every file and folder the project writes goes through here. Content goes to a
 * temporary sibling first and is renamed into place, so a crash never leaves a half-written file;
 * a folder is swapped in with one routine ({@link replaceDirAtomic}) and repaired after a crash by
 * one routine ({@link recoverDir}) that every reader calls. Output folders are created by
 * {@link ensureOutputDir}, which checks that the nearest existing parent is a writable folder before
 * creating anything, so no output path can hang or half-create a tree. Failures are
 * {@link OutputError}s naming the path the caller asked for, never a temporary name.
 *
 * @packageDocumentation
 */
import {
  accessSync,
  appendFileSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from './errors.js';

const REASONS: Readonly<Record<string, string>> = {
  EROFS: 'the filesystem is read-only; choose a folder on a writable disk',
  ENOSPC: 'no space left on the device; free some space or choose another disk',
  EDQUOT: 'the disk quota is exhausted; free some space or choose another disk',
  EACCES: 'permission denied; choose a folder you may write to',
  EPERM: 'the operation is not permitted here; choose a folder you may write to',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files; close other programs or raise the limit (ulimit -n)',
};

/**
 * Turns a system error met while writing `path` into an {@link OutputError} that names `path` (the
 * destination the caller asked for) and says what to do. Non-system errors are returned unchanged.
 *
 * @param path - the destination
 * @param e - the caught error
 */
export function outputError(path: string, e: unknown): unknown {
  if (e instanceof OutputError) return e;
  const errno = (e as { code?: unknown } | null)?.code;
  if (typeof errno !== 'string') return e;
  return new OutputError(path, REASONS[errno] ?? `system error ${errno}`, { cause: e, errno });
}

/**
 * Checks, without leaving anything behind, that `dir` exists as a writable folder or can be created:
 * its nearest existing ancestor must be a folder this process may write to and that accepts a new
 * folder (a probe is created and removed at once; `/proc` and read-only disks fail here). Commands
 * call it before any long work, so a bad output path fails in a second, not after the work.
 *
 * @param dir - the output folder
 * @returns the absolute path of `dir`
 * @throws {@link OutputError} naming `dir` and the reason
 */
export function checkOutputDir(dir: string): string {
  const target = resolve(dir);
  const existing = nearestExisting(target);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw outputError(target, e);
  }
  let probe: string | undefined;
  try {
    probe = mkdtempSync(join(existing, '.rfm-probe-'));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') {
      throw new OutputError(target, `the filesystem of ${existing} does not allow new files or folders; choose an ordinary folder`, { cause: e, errno: 'ENOENT' });
    }
    throw outputError(target, e);
  } finally {
    if (probe !== undefined) rmSync(probe, { recursive: true, force: true });
  }
  return target;
}

function nearestExisting(target: string): string {
  let existing = target;
  for (;;) {
    const info = statOrUndefined(existing);
    if (info) {
      if (!info.isDirectory()) {
        throw new OutputError(target, existing === target ? 'it exists and is a file, not a folder' : `${existing} is a file, not a folder`);
      }
      return existing;
    }
    const parent = dirname(existing);
    if (parent === existing) throw new OutputError(target, 'no part of the path exists');
    existing = parent;
  }
}

/**
 * Makes sure `dir` exists as a writable folder. Before creating anything, it finds the nearest
 * existing ancestor and checks that it is a folder this process may write to; then it creates the
 * missing levels one at a time (never Node's recursive `mkdir`, which loops forever on paths such as
 * `/proc/x`).
 *
 * @param dir - the folder to create or check
 * @param file - the file about to be written in `dir`, named in the error when `dir` exists but cannot be written
 * @returns the absolute path of `dir`
 * @throws {@link OutputError} naming `dir` and the reason (not a folder, read-only, permission
 *   denied, the filesystem does not allow new folders...)
 */
export function ensureOutputDir(dir: string, file?: string): string {
  const target = resolve(dir);
  const existing = nearestExisting(target);
  const missing: string[] = [];
  for (let level = target; level !== existing; level = dirname(level)) missing.unshift(level);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw outputError(existing === target && file !== undefined ? file : target, e);
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (e) {
      const errno = (e as { code?: unknown }).code;
      if (errno === 'EEXIST' && statOrUndefined(level)?.isDirectory()) continue;
      if (errno === 'ENOENT') {
        throw new OutputError(target, `the filesystem of ${dirname(level)} does not allow new folders; choose an ordinary folder`, { cause: e, errno });
      }
      throw outputError(target, e);
    }
  }
  return target;
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function tmpName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
}

/** A failure of the caller's chunk source (not of the file system), passed through unchanged. */
class ChunkSourceFailure {
  constructor(readonly cause: unknown) {}
}

/** Writes `chunks` to a new file `file` one at a time, so that only the current chunk need be in memory. */
function writeChunks(file: string, chunks: Iterable<Uint8Array>): void {
  const fd = openSync(file, 'w');
  try {
    const it = chunks[Symbol.iterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = it.next();
      } catch (e) {
        throw new ChunkSourceFailure(e);
      }
      if (next.done) break;
      for (let offset = 0; offset < next.value.byteLength; ) offset += writeSync(fd, next.value, offset);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically (temp file + rename in the same folder); the folder is
 * created with {@link ensureOutputDir}.
 *
 * @param path - destination
 * @param data - bytes or text, or byte chunks written one after the other as the iterable yields
 *   them (large files without one buffer holding all of them)
 * @throws {@link OutputError} naming `path` (never the temporary file); an error thrown by the
 *   chunk iterable itself is rethrown unchanged, and the temporary file is removed either way
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<Uint8Array>): void {
  ensureOutputDir(dirname(path), path);
  const tmp = tmpName(path);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) writeFileSync(tmp, data);
    else writeChunks(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof ChunkSourceFailure) throw e.cause;
    throw outputError(path, e);
  }
}

/**
 * Appends `text` to `path` (creating its folder with {@link ensureOutputDir}).
 *
 * @param path - the file
 * @param text - what to append
 * @throws {@link OutputError} naming `path`
 */
export function appendFileChecked(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') {
      ensureOutputDir(dirname(path));
      try {
        appendFileSync(path, text);
        return;
      } catch (e2) {
        throw outputError(path, e2);
      }
    }
    throw outputError(path, e);
  }
}

/**
 * Fills a fresh temporary folder with `fill(tmpDir)` and then swaps it in for `dir`. The previous
 * `dir` is kept as `dir.old` until the swap is complete, so one complete copy exists at every moment;
 * {@link recoverDir} repairs the folder if the process dies between the two renames.
 *
 * @param dir - destination folder
 * @param fill - writes the folder's content
 * @throws {@link OutputError} naming `dir` (never the temporary folder)
 */
export function replaceDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  ensureOutputDir(dirname(dir));
  recoverDir(dir);
  const tmp = tmpName(dir);
  const old = `${dir}.old`;
  try {
    mkdirSync(tmp);
    fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // A file written inside the temporary folder is reported under its final name.
    if (e instanceof OutputError && e.path.startsWith(tmp)) {
      throw new OutputError(dir + e.path.slice(tmp.length), e.message.slice(`Cannot write ${e.path}: `.length, -1), { cause: e.cause, ...(e.errno ? { errno: e.errno } : {}) });
    }
    throw outputError(dir, e);
  }
  try {
    swapDirIn(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw outputError(dir, e);
  }
}

/**
 * The one folder swap of rfm.js: puts an already filled folder `staged` (a sibling of `dir`, same
 * filesystem) at `dir`. The previous `dir` (a folder or a link) is renamed to `dir.old` first and
 * removed last, so one complete copy exists at every moment; {@link recoverDir} repairs a crash
 * between the two renames. {@link replaceDirAtomic} and the native build cache both use it.
 *
 * @param staged - the new content
 * @param dir - its final path
 */
export function swapDirIn(staged: string, dir: string): void {
  recoverDir(dir);
  const old = `${dir}.old`;
  const had = existsSync(dir) || isLink(dir);
  if (had) renameSync(dir, old);
  try {
    renameSync(staged, dir);
  } catch (e) {
    if (had) renameSync(old, dir);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The one recovery routine of {@link replaceDirAtomic}, called by every reader and writer of a
 * swapped folder (model, checkpoint) before it looks at it:
 * - the process died between the two renames (`dir.old` without `dir`): `dir.old` becomes `dir`;
 * - it died after the second rename (`dir` and `dir.old`): `dir.old` is removed;
 * - temporary folders of `dir` left by a killed process (`.NAME.PID.TIME.tmp` whose process is
 *   gone) are removed.
 *
 * @param dir - the folder
 * @returns the folder to read: `dir`, or `dir.old` when it could not be renamed back (read-only
 *   disk); undefined when neither exists
 */
export function recoverDir(dir: string): string | undefined {
  const old = `${dir}.old`;
  removeStaleTemporaries(dir);
  const hasDir = existsSync(dir);
  const hasOld = existsSync(old);
  if (!hasDir && hasOld) {
    try {
      renameSync(old, dir);
      return dir;
    } catch {
      return old;
    }
  }
  if (hasDir && hasOld) {
    try {
      rmSync(old, { recursive: true, force: true });
    } catch {
      // A read-only copy of a finished swap: harmless, dir is complete.
    }
  }
  return hasDir ? dir : undefined;
}

function removeStaleTemporaries(dir: string): void {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const match = /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
    } catch {
      // Not ours to remove (read-only disk); it does no harm.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}
