/**
 * Obtaining a TensorFlow C library for the addon: from the cache, tfjs-node's own download, a
 * wheel, `pip download`, or a local libtensorflow tarball. Every new library is unpacked in a
 * temporary directory of the cache and renamed into place.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '@rfm/core';
import {
  commitLibraryEntry,
  hashFile,
  type LibraryEntry,
  type LibraryOrigin,
  makeTempDir,
  readLibraryEntry,
} from './native-cache.js';
import { NativeBuildError } from './native-errors.js';
import type { NativeBuildProgress, NativeLibrarySource, ResolvedBuildNativeOptions } from './native-options.js';
import { libtensorflowDownloadUrl, type NativePackage } from './native-package.js';
import { runTool } from './native-process.js';
import { unpackArchive, unpackWheel } from './unpack.js';
import { archiveLibraryId, parseWheelName, wheelFitsPlatform, wheelLibraryId } from './wheel-name.js';

/** One source tried while looking for a library. */
export interface SourceAttempt {
  /** The source. */
  readonly source: Exclude<NativeLibrarySource, 'auto'> | 'cache';
  /** Whether it gave a library. */
  readonly ok: boolean;
  /** What happened, one line. */
  readonly message: string;
  /** Time spent, ms. */
  readonly ms: number;
}

/** The library to build against and how it was found. */
export interface ObtainedLibrary {
  /** The cache entry. */
  readonly entry: LibraryEntry;
  /** True when it was already in the cache (nothing downloaded or unpacked). */
  readonly reused: boolean;
  /** Every source tried, in order. */
  readonly attempts: readonly SourceAttempt[];
}

type Log = (level: NativeBuildProgress['level'], message: string) => void;

/**
 * Finds or fetches the TensorFlow C library according to `o.source`.
 *
 * @param o - resolved options
 * @param pkg - the tfjs-node package (for the download URL)
 * @param log - progress sink
 * @throws NativeBuildError `no-library-source` listing every attempt
 */
export async function obtainLibrary(o: ResolvedBuildNativeOptions, pkg: NativePackage, log: Log): Promise<ObtainedLibrary> {
  const attempts: SourceAttempt[] = [];
  const tryOne = async (source: SourceAttempt['source'], fn: () => Promise<ObtainedLibrary | null>): Promise<ObtainedLibrary | null> => {
    const t0 = Date.now();
    try {
      const got = await fn();
      const message = got
        ? `${got.reused ? 'reused cached' : 'unpacked'} ${got.entry.id} (TensorFlow ${got.entry.tfVersion}) from ${got.entry.origin.from}`
        : 'nothing cached';
      attempts.push({ source, ok: got !== null, message, ms: Date.now() - t0 });
      return got;
    } catch (e) {
      if (e instanceof NativeBuildError && e.reason !== 'no-library-source') throw e;
      attempts.push({ source, ok: false, message: errorMessage(e), ms: Date.now() - t0 });
      log('warn', `${source}: ${errorMessage(e)}`);
      return null;
    }
  };
  const downloadUrl = o.downloadUrl ?? libtensorflowDownloadUrl(pkg, o.gpu);
  const pipId = wheelLibraryId(o.pipPackage, o.pipVersion);
  const steps: Array<[SourceAttempt['source'], () => Promise<ObtainedLibrary | null>]> = [];
  switch (o.source) {
    case 'wheel':
      steps.push(['wheel', () => fromWheel(o, o.wheel!, 'wheel', log)]);
      break;
    case 'archive':
      steps.push(['archive', () => fromArchive(o, o.archive!, { kind: 'archive', from: o.archive! }, log)]);
      break;
    case 'pip':
      steps.push(['cache', async () => cached(o, pipId)], ['pip', () => fromPip(o, log)]);
      break;
    case 'download':
      steps.push(['cache', async () => (downloadUrl ? cached(o, archiveLibraryId(downloadUrl).id) : null)], ['download', () => fromDownload(o, downloadUrl, log)]);
      break;
    case 'auto':
      steps.push(['cache', async () => (o.gpu ? null : cached(o, pipId)) ?? (downloadUrl ? cached(o, archiveLibraryId(downloadUrl).id) : null)]);
      steps.push(['download', () => fromDownload(o, downloadUrl, log)]);
      if (!o.gpu) steps.push(['pip', () => fromPip(o, log)]);
      break;
  }
  for (const [source, fn] of steps) {
    const got = await tryOne(source, fn);
    if (got) return { ...got, attempts };
  }
  throw new NativeBuildError(
    'no-library-source',
    `No TensorFlow C library could be obtained (${attempts.map((a) => `${a.source}: ${a.message}`).join('; ')}). ` +
      `Give a wheel (\`wheel: 'tensorflow_cpu-2.21.0-...whl'\`), a libtensorflow tarball (\`archive\`), or configure a pip index that has ${o.pipPackage}==${o.pipVersion}.`,
    attempts.map((a) => `${a.source}: ${a.message}`),
  );
}

function cached(o: ResolvedBuildNativeOptions, id: string): ObtainedLibrary | null {
  const entry = readLibraryEntry(o.cacheDir, id);
  if (!entry) return null;
  if (entry.flavour !== (o.gpu ? 'gpu' : 'cpu')) return null;
  return { entry, reused: true, attempts: [] };
}

async function fromWheel(
  o: ResolvedBuildNativeOptions,
  wheel: string,
  kind: 'wheel' | 'pip',
  log: Log,
  from: string = wheel,
): Promise<ObtainedLibrary> {
  if (!fs.existsSync(wheel)) throw new NativeBuildError('no-library-source', `Wheel ${wheel} does not exist.`);
  const name = parseWheelName(wheel);
  if (!name) throw new NativeBuildError('no-library-source', `${path.basename(wheel)} is not a wheel file name (expected name-version-python-abi-platform.whl).`);
  if (!wheelFitsPlatform(name.platform)) {
    throw new NativeBuildError('no-library-source', `Wheel ${path.basename(wheel)} is for ${name.platform}, not linux/${process.arch}.`);
  }
  if (o.gpu) {
    throw new NativeBuildError(
      'gpu-unavailable',
      'A TensorFlow wheel cannot provide the GPU library tfjs-node-gpu 4.22.0 needs (libtensorflow-gpu 2.9.1 built for CUDA 11.2 / cuDNN 8.1); pass its tarball as archive instead.',
    );
  }
  const id = wheelLibraryId(name.distribution, name.version);
  log('info', `hashing ${path.basename(wheel)}`);
  const { sha256, bytes } = await hashFile(wheel);
  const existing = readLibraryEntry(o.cacheDir, id);
  if (existing && existing.origin.sha256 === sha256) return { entry: existing, reused: true, attempts: [] };
  const staged = makeTempDir(o.cacheDir, 'wheel');
  try {
    log('info', `unpacking the TensorFlow C library from ${path.basename(wheel)} (${(bytes / 1e6).toFixed(0)} MB) into the cache`);
    const t0 = Date.now();
    const r = await unpackWheel(wheel, staged, o.python, (l) => log('debug', l));
    log('info', `unpacked ${r.files} files, ${(r.bytes / 1e6).toFixed(0)} MB, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const origin: LibraryOrigin = { kind, from, sha256, bytes };
    const entry = commitLibraryEntry(o.cacheDir, staged, { id, tfVersion: name.version, flavour: 'cpu', origin });
    return { entry, reused: false, attempts: [] };
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
}

async function fromArchive(o: ResolvedBuildNativeOptions, archive: string, origin: Omit<LibraryOrigin, 'sha256' | 'bytes'>, log: Log): Promise<ObtainedLibrary> {
  if (!fs.existsSync(archive)) throw new NativeBuildError('no-library-source', `Archive ${archive} does not exist.`);
  const { id, tfVersion, flavour } = archiveLibraryId(origin.kind === 'download' ? origin.from : archive);
  if ((flavour === 'gpu') !== o.gpu) {
    throw new NativeBuildError('no-library-source', `${path.basename(archive)} is a ${flavour.toUpperCase()} library but a ${o.gpu ? 'GPU' : 'CPU'} build was asked for.`);
  }
  const { sha256, bytes } = await hashFile(archive);
  const existing = readLibraryEntry(o.cacheDir, id);
  if (existing && existing.origin.sha256 === sha256) return { entry: existing, reused: true, attempts: [] };
  const staged = makeTempDir(o.cacheDir, 'archive');
  try {
    log('info', `unpacking ${path.basename(archive)} into the cache`);
    await unpackArchive(archive, staged, (l) => log('debug', l));
    const entry = commitLibraryEntry(o.cacheDir, staged, { id, tfVersion, flavour, origin: { ...origin, sha256, bytes } });
    return { entry, reused: false, attempts: [] };
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
}

async function fromDownload(o: ResolvedBuildNativeOptions, url: string | null, log: Log): Promise<ObtainedLibrary> {
  if (!url) throw new NativeBuildError('no-library-source', `tfjs-node publishes no ${o.gpu ? 'GPU' : 'CPU'} libtensorflow for ${process.platform}/${process.arch}.`);
  const dir = makeTempDir(o.cacheDir, 'download');
  try {
    const file = path.join(dir, path.basename(new URL(url).pathname));
    log('info', `downloading ${url} (waiting at most ${Math.round(o.downloadTimeoutMs / 1000)} s for an answer)`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${o.downloadTimeoutMs} ms`)), o.downloadTimeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new NativeBuildError('no-library-source', `download failed: ${cause?.message ?? cause?.code ?? errorMessage(e)}`, [], { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok || !res.body) throw new NativeBuildError('no-library-source', `download failed: HTTP ${res.status} for ${url}`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(file));
    log('info', `downloaded ${(fs.statSync(file).size / 1e6).toFixed(0)} MB`);
    return await fromArchive(o, file, { kind: 'download', from: url }, log);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function fromPip(o: ResolvedBuildNativeOptions, log: Log): Promise<ObtainedLibrary> {
  const dir = makeTempDir(o.cacheDir, 'pip');
  try {
    const spec = `${o.pipPackage}==${o.pipVersion}`;
    log('info', `pip download ${spec} (wheel only, no dependencies)`);
    const r = await runTool(
      o.python,
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', spec, '-d', dir],
      { timeoutMs: 20 * 60_000, onLine: (l) => log('debug', l) },
    );
    if (r.code !== 0) {
      const why = r.code === 127 ? `${o.python} not found` : (r.tail.filter((l) => /ERROR|error/.test(l)).pop() ?? `exit ${r.code}`);
      throw new NativeBuildError('no-library-source', `pip download ${spec} failed: ${why.trim()}`, r.tail);
    }
    const wheel = fs.readdirSync(dir).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new NativeBuildError('no-library-source', `pip download ${spec} produced no wheel.`, r.tail);
    const fetched = r.tail.map((l) => /(?:Processing|Downloading|File was already downloaded)\s+(\S+\.whl)/.exec(l)?.[1]).find(Boolean);
    log('info', `pip download took ${(r.ms / 1000).toFixed(1)} s: ${wheel}${fetched ? ` from ${fetched}` : ''}`);
    const got = await fromWheel(o, path.join(dir, wheel), 'pip', log, `pip download ${spec}: ${fetched ?? wheel}`);
    if (o.keepWheel) {
      const keep = path.join(o.cacheDir, 'wheels');
      fs.mkdirSync(keep, { recursive: true });
      fs.renameSync(path.join(dir, wheel), path.join(keep, wheel));
    }
    return got;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
