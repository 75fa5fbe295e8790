/**
 * The cache of TensorFlow C libraries (one directory per library, ~850 MB for the 2.21 wheel) and of
 * compiled addons, kept outside the repository. Entries are written in a temporary directory and
 * renamed into place, so a reader never sees half an entry.
 *
 * Layout: `<cacheDir>/<libraryId>/{lib/, include/, library.json, addons/<pkg>@<version>/napi-v<n>/tfjs_binding.node}`.
 *
 * @packageDocumentation
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recoverDir, swapDirIn } from '@rfm/core';
import { NativeBuildError } from './native-errors.js';

/** Where a cached library came from. */
export interface LibraryOrigin {
  /** `download` (tfjs-node's URL), `archive` (a local tarball), `wheel` (a local wheel) or `pip` (pip download). */
  readonly kind: 'download' | 'archive' | 'wheel' | 'pip';
  /** The URL or file it was unpacked from. */
  readonly from: string;
  /** SHA-256 of that file, hex. */
  readonly sha256: string | null;
  /** Its size in bytes. */
  readonly bytes: number | null;
}

/** A TensorFlow C library unpacked in the cache. */
export interface LibraryEntry {
  /** Cache key, e.g. `tensorflow_cpu-2.21.0-linux_x86_64` or `libtensorflow-cpu-linux-x86_64-2.9.1`. */
  readonly id: string;
  /** Its directory, holding `lib/` and `include/`. */
  readonly dir: string;
  /** TensorFlow version of the library, e.g. `2.21.0`. */
  readonly tfVersion: string;
  /** `gpu` only for libtensorflow-gpu tarballs. */
  readonly flavour: 'cpu' | 'gpu';
  /** Where it came from. */
  readonly origin: LibraryOrigin;
  /** When it was unpacked (ISO 8601). */
  readonly createdAt: string;
  /** Bytes on disk under `lib/` (symlinks not followed). */
  readonly libBytes: number;
}

const ENTRY_FILE = 'library.json';

/** Files every usable entry has (the unversioned names are what `-ltensorflow` links against). */
export const REQUIRED_LIBRARY_FILES = [
  'lib/libtensorflow.so',
  'lib/libtensorflow_framework.so',
  'include/tensorflow/c/c_api.h',
  'include/tensorflow/c/eager/c_api.h',
] as const;

/** Files of `REQUIRED_LIBRARY_FILES` missing under `dir` (symlinks followed). */
export function missingLibraryFiles(dir: string): string[] {
  return REQUIRED_LIBRARY_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
}

/**
 * Reads a cache entry, or null when it does not exist or is incomplete.
 *
 * @param cacheDir - cache root
 * @param id - library id
 */
export function readLibraryEntry(cacheDir: string, id: string): LibraryEntry | null {
  const dir = path.join(cacheDir, id);
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, ENTRY_FILE), 'utf8')) as Omit<LibraryEntry, 'dir'>;
    if (missingLibraryFiles(dir).length > 0) return null;
    return { ...meta, dir };
  } catch {
    return null;
  }
}

/** Every complete library entry in the cache, newest first. */
export function listLibraryEntries(cacheDir: string): LibraryEntry[] {
  let names: string[] = [];
  try {
    const all = fs.readdirSync(cacheDir);
    // An entry whose replacement was interrupted is put back first (core's one recovery routine).
    for (const n of all) if (n.endsWith('.old')) recoverDir(path.join(cacheDir, n.slice(0, -'.old'.length)));
    names = fs.readdirSync(cacheDir).filter((n) => !n.startsWith('.') && !n.endsWith('.old'));
  } catch {
    return [];
  }
  return names
    .map((n) => readLibraryEntry(cacheDir, n))
    .filter((e): e is LibraryEntry => e !== null)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Turns a staged directory (holding `lib/` and `include/`) into a cache entry: writes
 * `library.json` and renames the directory into place, replacing an older entry of the same id.
 *
 * @param cacheDir - cache root
 * @param staged - the temporary directory (must be inside `cacheDir`, same filesystem)
 * @param meta - what to record
 */
export function commitLibraryEntry(
  cacheDir: string,
  staged: string,
  meta: Omit<LibraryEntry, 'dir' | 'createdAt' | 'libBytes'>,
): LibraryEntry {
  const missing = missingLibraryFiles(staged);
  if (missing.length > 0) {
    throw new NativeBuildError('no-library-source', `The unpacked library from ${meta.origin.from} lacks ${missing.join(', ')}.`);
  }
  const entry: Omit<LibraryEntry, 'dir'> = { ...meta, createdAt: new Date().toISOString(), libBytes: dirBytes(path.join(staged, 'lib')) };
  fs.writeFileSync(path.join(staged, ENTRY_FILE), `${JSON.stringify(entry, null, 2)}\n`);
  const dir = path.join(cacheDir, meta.id);
  replaceDir(staged, dir);
  return { ...entry, dir };
}

/**
 * Atomically puts `staged` at `target` with core's one folder swap (`swapDirIn`: the old copy is
 * kept as `target.old` until the new one is in place; `recoverDir` repairs a crash in between).
 *
 * @param staged - the new directory (same filesystem as `target`)
 * @param target - its final path
 */
export function replaceDir(staged: string, target: string): void {
  swapDirIn(staged, target);
}

/** Total size of regular files under `dir` (symlinks not followed). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    if (st.isDirectory()) total += dirBytes(p);
    else if (st.isFile()) total += st.size;
  }
  return total;
}

/**
 * A fresh temporary directory `<parent>/.tmp-<label>-<pid>-<random>`; {@link removeStaleTemps}
 * deletes those whose process is gone.
 *
 * @param parent - where to create it (same filesystem as its final place, so renames are atomic)
 * @param label - short tag for humans
 */
export function makeTempDir(parent: string, label: string): string {
  fs.mkdirSync(parent, { recursive: true });
  const dir = path.join(parent, `.tmp-${label}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir);
  return dir;
}

/**
 * Removes `.tmp-*` directories and files under `parent` left by processes that no longer run
 * (a build killed by a time limit, for instance).
 *
 * @param parent - directory to sweep
 * @returns the removed paths
 */
export function removeStaleTemps(parent: string): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^\.tmp-.*?-(\d+)-[0-9a-f]{8}(?:\..*)?$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    removed.push(path.join(parent, name));
  }
  return removed;
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `<cacheDir>/.lock` (a file with the holder's pid; a lock whose process is gone
 * is taken over).
 *
 * @param cacheDir - cache root
 * @param fn - the work
 * @throws NativeBuildError `busy` when another live process holds the lock
 */
export async function withCacheLock<T>(cacheDir: string, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = path.join(cacheDir, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(lock, e);
      const holder = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) throw lockError(lock, e, holder);
      fs.rmSync(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function lockError(lock: string, cause: unknown, holder?: number): NativeBuildError {
  return new NativeBuildError(
    'busy',
    holder
      ? `Another native build (pid ${holder}) holds ${lock}; wait for it to finish (or delete the file if that process is not a build).`
      : `Cannot take the build lock ${lock}.`,
    [],
    { cause },
  );
}

/**
 * SHA-256 (hex) and size of a file, streamed.
 *
 * @param file - the file
 */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
