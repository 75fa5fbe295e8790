/**
 * Options of {@link buildNative}, their defaults and their validation.
 *
 * @packageDocumentation
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { requireOption } from '@rfm/core';

/**
 * Where the TensorFlow C library comes from.
 * - `auto`: a cached library, else tfjs-node's own download (short timeout), else `pip download`.
 * - `download`: the libtensorflow tarball tfjs-node's install script would fetch (needs internet).
 * - `wheel`: a TensorFlow wheel file on disk (`wheel` option).
 * - `pip`: `pip download` of `pipPackage==pipVersion` (works offline with a local index).
 * - `archive`: a libtensorflow `.tar.gz` on disk (`archive` option), e.g. downloaded elsewhere.
 */
export type NativeLibrarySource = 'auto' | 'download' | 'wheel' | 'pip' | 'archive';

/**
 * How the library files reach `<tfjs-node>/deps`.
 * - `symlink`: `deps/lib` and `deps/include` point into the cache (one copy on disk; deleting the cache breaks the addon).
 * - `hardlink`: hard links to the cached files (no extra space, survives deleting the cache; same filesystem only, else copies).
 * - `copy`: full copies (~850 MB per checkout for the 2.21 wheel).
 */
export type NativeLinkMode = 'symlink' | 'hardlink' | 'copy';

/** One progress line of {@link buildNative}. */
export interface NativeBuildProgress {
  /** The stage the build is in. */
  readonly step: 'locate' | 'check' | 'library' | 'compile' | 'install' | 'verify' | 'done';
  /** `info` for what a user wants to see, `warn` for fallbacks, `debug` for tool output. */
  readonly level: 'info' | 'warn' | 'debug';
  /** One human-readable line. */
  readonly message: string;
}

/** Options of {@link buildNative}. All optional. */
export interface BuildNativeOptions {
  /** Where the TensorFlow C library comes from. @default 'auto' (or 'wheel' / 'archive' when those options are given) */
  readonly source?: NativeLibrarySource;
  /** A TensorFlow wheel (`tensorflow_cpu-2.21.0-...-manylinux...whl`); implies `source: 'wheel'`. */
  readonly wheel?: string;
  /** A libtensorflow tarball (`libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz`); implies `source: 'archive'`. */
  readonly archive?: string;
  /** Build `@tensorflow/tfjs-node-gpu` (needs CUDA 11.2, cuDNN 8.1 and libtensorflow-gpu 2.9.1). @default false */
  readonly gpu?: boolean;
  /** The pip distribution to download. @default 'tensorflow-cpu' */
  readonly pipPackage?: string;
  /** Its version. @default '2.21.0' */
  readonly pipVersion?: string;
  /** Python interpreter used for `-m pip` and to unpack wheels (node-gyp needs Python too). @default $PYTHON or 'python3' */
  readonly python?: string;
  /** Cache root, outside the repository. @default `${XDG_CACHE_HOME:-~/.cache}/rfm-js/native` */
  readonly cacheDir?: string;
  /** How the library reaches tfjs-node's `deps/`. @default 'symlink' */
  readonly linkMode?: NativeLinkMode;
  /** Rebuild (and recompile) even when a working build exists. @default false */
  readonly force?: boolean;
  /** How long the download may take to answer before the next source is tried, in ms. @default 10000 */
  readonly downloadTimeoutMs?: number;
  /** URL of the libtensorflow tarball. @default the one tfjs-node's install script uses (honours TFJS_NODE_CDN_STORAGE, TFJS_NODE_BASE_URI) */
  readonly downloadUrl?: string;
  /** Node install prefix whose `include/node` holds the headers (never downloaded). @default the prefix of `process.execPath` */
  readonly nodeDir?: string;
  /** Parallel compile jobs. @default 2 */
  readonly jobs?: number;
  /** The tfjs-node package directory. @default resolved from `@rfm/backend` */
  readonly packageDir?: string;
  /** Keep the wheel that `pip download` fetched (274 MB) in the cache. @default false */
  readonly keepWheel?: boolean;
  /** Called for every progress line. @default none */
  readonly onProgress?: (event: NativeBuildProgress) => void;
}

/** {@link BuildNativeOptions} with every default filled in. */
export interface ResolvedBuildNativeOptions {
  readonly source: NativeLibrarySource;
  readonly wheel: string | null;
  readonly archive: string | null;
  readonly gpu: boolean;
  readonly pipPackage: string;
  readonly pipVersion: string;
  readonly python: string;
  readonly cacheDir: string;
  readonly linkMode: NativeLinkMode;
  readonly force: boolean;
  readonly downloadTimeoutMs: number;
  readonly downloadUrl: string | null;
  readonly nodeDir: string;
  readonly jobs: number;
  readonly packageDir: string | null;
  readonly keepWheel: boolean;
  readonly onProgress: (event: NativeBuildProgress) => void;
}

/** Defaults of {@link BuildNativeOptions} that do not depend on the environment. */
export const BUILD_NATIVE_DEFAULTS = {
  source: 'auto',
  gpu: false,
  pipPackage: 'tensorflow-cpu',
  pipVersion: '2.21.0',
  linkMode: 'symlink',
  force: false,
  downloadTimeoutMs: 10_000,
  jobs: 2,
  keepWheel: false,
} as const satisfies BuildNativeOptions;

/**
 * The default cache root: `${XDG_CACHE_HOME:-~/.cache}/rfm-js/native`.
 *
 * @param env - environment to read `XDG_CACHE_HOME` from
 */
export function defaultNativeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] && path.isAbsolute(env['XDG_CACHE_HOME']) ? env['XDG_CACHE_HOME'] : path.join(os.homedir(), '.cache');
  return path.join(base, 'rfm-js', 'native');
}

/** The Node install prefix of the running interpreter (`/usr` for `/usr/bin/node`). */
export function defaultNodeDir(): string {
  return path.resolve(path.dirname(process.execPath), '..');
}

const SOURCES: readonly NativeLibrarySource[] = ['auto', 'download', 'wheel', 'pip', 'archive'];
const LINK_MODES: readonly NativeLinkMode[] = ['symlink', 'hardlink', 'copy'];

/**
 * Fills in defaults and validates {@link BuildNativeOptions}.
 *
 * @param options - user options
 * @throws InvalidOptionError naming the bad option
 */
export function resolveBuildNativeOptions(options: BuildNativeOptions = {}): ResolvedBuildNativeOptions {
  const wheel = options.wheel ?? null;
  const archive = options.archive ?? null;
  const implied: NativeLibrarySource = wheel ? 'wheel' : archive ? 'archive' : BUILD_NATIVE_DEFAULTS.source;
  const source = options.source ?? implied;
  requireOption(SOURCES.includes(source), 'source', source, `one of ${SOURCES.join(', ')}`);
  requireOption(!(wheel && archive), 'wheel', wheel, 'either wheel or archive, not both');
  requireOption(source !== 'wheel' || !!wheel, 'wheel', wheel, "a wheel file path when source is 'wheel'");
  requireOption(source !== 'archive' || !!archive, 'archive', archive, "an archive file path when source is 'archive'");
  requireOption(!wheel || source === 'wheel', 'source', source, "'wheel' (or unset) when a wheel is given");
  requireOption(!archive || source === 'archive', 'source', source, "'archive' (or unset) when an archive is given");
  const timeout = options.downloadTimeoutMs ?? BUILD_NATIVE_DEFAULTS.downloadTimeoutMs;
  requireOption(Number.isFinite(timeout) && timeout > 0, 'downloadTimeoutMs', timeout, 'a number of milliseconds > 0');
  const jobs = options.jobs ?? BUILD_NATIVE_DEFAULTS.jobs;
  requireOption(Number.isInteger(jobs) && jobs >= 1, 'jobs', jobs, 'an integer >= 1');
  const linkMode = options.linkMode ?? BUILD_NATIVE_DEFAULTS.linkMode;
  requireOption(LINK_MODES.includes(linkMode), 'linkMode', linkMode, `one of ${LINK_MODES.join(', ')}`);
  const pipPackage = options.pipPackage ?? BUILD_NATIVE_DEFAULTS.pipPackage;
  requireOption(/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(pipPackage), 'pipPackage', pipPackage, 'a pip distribution name such as tensorflow-cpu');
  const pipVersion = options.pipVersion ?? BUILD_NATIVE_DEFAULTS.pipVersion;
  requireOption(/^[0-9][A-Za-z0-9.+-]*$/.test(pipVersion), 'pipVersion', pipVersion, 'a version such as 2.21.0');
  const cacheDir = path.resolve(options.cacheDir ?? defaultNativeCacheDir());
  return {
    source,
    wheel: wheel ? path.resolve(wheel) : null,
    archive: archive ? path.resolve(archive) : null,
    gpu: options.gpu ?? BUILD_NATIVE_DEFAULTS.gpu,
    pipPackage,
    pipVersion,
    python: options.python ?? process.env['PYTHON'] ?? 'python3',
    cacheDir,
    linkMode,
    force: options.force ?? BUILD_NATIVE_DEFAULTS.force,
    downloadTimeoutMs: timeout,
    downloadUrl: options.downloadUrl ?? null,
    nodeDir: path.resolve(options.nodeDir ?? defaultNodeDir()),
    jobs,
    packageDir: options.packageDir ? path.resolve(options.packageDir) : null,
    keepWheel: options.keepWheel ?? BUILD_NATIVE_DEFAULTS.keepWheel,
    onProgress: options.onProgress ?? (() => {}),
  };
}
