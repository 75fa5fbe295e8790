/**
 * `buildNative`: makes `@tensorflow/tfjs-node` (or `-gpu`) usable without its install script:
 * obtains a TensorFlow C library (cache → tfjs-node's download → a wheel / `pip download` / a
 * tarball), compiles the addon against the local Node headers, installs both into the package and
 * checks in a child process that tfjs then runs on the `tensorflow` backend.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CachedAddon, compileAddon, readCachedAddon } from './addon-compile.js';
import { BINDING_PATCH_SET, BINDING_PATCHES } from './binding-patches.js';
import { checkGpuRuntime, gpuUnavailableMessage } from './gpu-requirements.js';
import { type ObtainedLibrary, obtainLibrary, type SourceAttempt } from './library-sources.js';
import { listLibraryEntries, removeStaleTemps, withCacheLock } from './native-cache.js';
import { NativeBuildError } from './native-errors.js';
import { installIntoPackage, type NativeBuildManifest, readNativeManifest } from './native-install.js';
import { type BuildNativeOptions, type NativeBuildProgress, resolveBuildNativeOptions } from './native-options.js';
import { locateNativePackage, type NativePackage } from './native-package.js';
import { type NativeVerification, verifyNativeAddon } from './native-verify.js';
import { checkToolchain, requireToolchain, type Toolchain } from './toolchain.js';

/** What {@link buildNative} did. */
export interface NativeBuildResult {
  /** `already-built`: a working build was found and left alone; `built`: installed now. */
  readonly status: 'already-built' | 'built';
  /** npm package the addon belongs to. */
  readonly packageName: string;
  /** Its version. */
  readonly packageVersion: string;
  /** Its directory. */
  readonly packageDir: string;
  /** The addon file tfjs-node loads. */
  readonly bindingPath: string;
  /** The package's `deps/` directory. */
  readonly depsDir: string;
  /** The installed build as recorded in `deps/rfm-native.json` (null for a build made another way). */
  readonly manifest: NativeBuildManifest | null;
  /** True when the library was taken from the cache (no download, no unpacking). */
  readonly libraryReused: boolean;
  /** True when the addon was compiled in this call (false: the cached addon was reused, or already built). */
  readonly compiled: boolean;
  /** The check in a child process. */
  readonly verification: NativeVerification;
  /** Library sources tried, in order. */
  readonly attempts: readonly SourceAttempt[];
  /** Wall times in ms. */
  readonly timings: { readonly totalMs: number; readonly libraryMs: number; readonly compileMs: number; readonly verifyMs: number };
  /** Plain-language lines: what was done and where the binary came from. */
  readonly summary: readonly string[];
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * Builds the native TensorFlow addon of `@tensorflow/tfjs-node` (or `-gpu` with `gpu: true`) so that
 * `initBackend('tensorflow')` works. Idempotent: a working build is detected and left alone unless
 * `force`. Never called by `pnpm install`.
 *
 * @param options - where the library comes from, cache, link mode, progress callback
 * @returns what was done (see {@link NativeBuildResult.summary})
 * @throws NativeBuildError with `reason` (`cannotBuild` true for a machine that lacks something)
 * @throws InvalidOptionError for bad options
 * @example
 * ```ts
 * const r = await buildNative({ source: 'pip', onProgress: (e) => console.error(e.message) });
 * console.log(r.summary.join('\n'));
 * ```
 */
export async function buildNative(options: BuildNativeOptions = {}): Promise<NativeBuildResult> {
  const o = resolveBuildNativeOptions(options);
  const started = Date.now();
  const log = (step: NativeBuildProgress['step'], level: NativeBuildProgress['level'], message: string): void =>
    o.onProgress({ step, level, message });

  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    throw new NativeBuildError(
      'unsupported-platform',
      `buildNative supports Linux x64/arm64; on ${process.platform}/${process.arch} install @tensorflow/tfjs-node with internet access and let its install script run (allowBuilds: true).`,
    );
  }
  const pkg = locateNativePackage(o.gpu, o.packageDir);
  log('locate', 'info', `${pkg.name} ${pkg.version} at ${pkg.dir} (addon: lib/napi-v${pkg.napiBuildVersion}/tfjs_binding.node)`);

  if (o.gpu) {
    const gpu = await checkGpuRuntime();
    if (!gpu.ok) throw new NativeBuildError('gpu-unavailable', gpuUnavailableMessage(gpu), [...gpu.missing]);
  }

  if (!o.force && fs.existsSync(pkg.bindingPath)) {
    log('check', 'info', 'an addon is already installed; checking that it works');
    const t0 = Date.now();
    const v = await verifyNativeAddon(pkg.dir);
    const manifest = readNativeManifest(pkg);
    const stalePatches = manifest !== null && manifest.addon.bindingPatchSet !== BINDING_PATCH_SET;
    if (v.ok && stalePatches) log('check', 'info', `the installed addon was compiled by an earlier rfm.js without ${BINDING_PATCH_SET}; rebuilding`);
    if (v.ok && !stalePatches) {
      const summary = [
        `Already built: ${pkg.name} ${pkg.version} loads and runs on the 'tensorflow' backend (TensorFlow ${v.tfVersion ?? '?'}); nothing to do (force: true rebuilds).`,
        manifest
          ? `It was built ${manifest.installedAt} against ${manifest.library.id} from ${manifest.library.origin.from}.`
          : 'It was not built by rfm (no deps/rfm-native.json): probably by tfjs-node\'s own install script.',
      ];
      for (const l of summary) log('done', 'info', l);
      return result('already-built', pkg, manifest, false, false, v, [], { totalMs: Date.now() - started, libraryMs: 0, compileMs: 0, verifyMs: Date.now() - t0 }, summary);
    }
    if (!v.ok) log('check', 'warn', `the installed addon does not work (${v.error}); rebuilding`);
  }

  const tools = await checkToolchain(pkg, o.python, o.nodeDir);
  if (!tools.ok && !listLibraryEntries(o.cacheDir).some((e) => readCachedAddon(e, pkg))) requireToolchain(tools);

  return withCacheLock(o.cacheDir, async () => {
    for (const p of removeStaleTemps(o.cacheDir)) log('library', 'debug', `removed stale ${p}`);
    const t0 = Date.now();
    const lib: ObtainedLibrary = await obtainLibrary(o, pkg, (level, message) => log('library', level, message));
    const libraryMs = Date.now() - t0;
    const e = lib.entry;
    log('library', 'info', `${lib.reused ? 'using cached' : 'cached'} TensorFlow C library ${e.tfVersion} (${mb(e.libBytes)}) in ${e.dir}`);

    /** Compiles the addon and says which binding patches did not apply. */
    const compile = async (t: Toolchain): Promise<CachedAddon> => {
      const fresh = await compileAddon(pkg, e, t, o.jobs, (l) => log('compile', 'debug', l));
      log('compile', 'info', `compiled in ${(fresh.compileMs / 1000).toFixed(1)} s`);
      const missing = BINDING_PATCHES.filter((p) => !fresh.bindingPatches.includes(p.id)).map((p) => p.id);
      if (missing.length > 0) {
        log('compile', 'warn', `binding patches not applied (their places were not found in ${pkg.name} ${pkg.version}): ${missing.join(', ')}; @rfm/backend keeps its slower routes`);
      }
      return fresh;
    };
    let addon: CachedAddon | null = o.force ? null : readCachedAddon(e, pkg);
    let compiled = false;
    const t1 = Date.now();
    if (addon) log('compile', 'info', `reusing the addon compiled ${addon.compiledAt} (Node ${addon.node}) from the cache`);
    else {
      const t = requireToolchain(tools);
      log('compile', 'info', `compiling ${pkg.name}'s addon (node-pre-gyp --build-from-source --nodedir=${t.nodeDir}, N-API ${pkg.napiBuildVersion}, ${o.jobs} jobs)`);
      addon = await compile(t);
      compiled = true;
    }
    const compileMs = Date.now() - t1;

    const manifest = installIntoPackage(pkg, e, addon, o.linkMode);
    log('install', 'info', `installed ${pkg.bindingPath} and ${pkg.depsDir} (${o.linkMode === 'symlink' ? `lib/ and include/ symlinked to ${e.dir}` : `${o.linkMode} of ${e.dir}`})`);

    const t2 = Date.now();
    let v = await verifyNativeAddon(pkg.dir);
    if (!v.ok && !compiled) {
      log('verify', 'warn', `the cached addon does not work here (${v.error}); compiling a fresh one`);
      const t = requireToolchain(tools);
      addon = await compile(t);
      compiled = true;
      installIntoPackage(pkg, e, addon, o.linkMode);
      v = await verifyNativeAddon(pkg.dir);
    }
    if (!v.ok) {
      throw new NativeBuildError('verify-failed', `${pkg.name} was built but does not work: ${v.error}.`, v.tail);
    }
    const verifyMs = Date.now() - t2;
    const origin = e.origin;
    const summary = [
      `Built ${pkg.name} ${pkg.version}: tfjs now runs on the 'tensorflow' backend (TensorFlow ${v.tfVersion ?? e.tfVersion}, loads in ${v.loadMs} ms).`,
      `TensorFlow C library: ${e.id}, ${lib.reused ? 'reused from the cache' : `unpacked now (${origin.kind})`}, originally from ${origin.from}${origin.sha256 ? ` (sha256 ${origin.sha256.slice(0, 16)}…)` : ''}.`,
      `Library files: ${e.dir} (${mb(e.libBytes)}); ${o.linkMode === 'symlink' ? `${path.join(pkg.depsDir, 'lib')} and include/ are symlinks to it (deleting the cache breaks the addon; rebuild with linkMode 'copy' to avoid that)` : `${o.linkMode} in ${pkg.depsDir}`}.`,
      compiled
        ? `Addon compiled from ${pkg.name}'s binding/*.cc against the local Node headers (${o.nodeDir}/include/node) in ${(addon.compileMs / 1000).toFixed(1)} s; cached for the next checkout.`
        : `Addon reused from the cache (compiled ${addon.compiledAt} with Node ${addon.node}).`,
      `Record: ${path.join(pkg.depsDir, 'rfm-native.json')}.`,
    ];
    for (const l of summary) log('done', 'info', l);
    return result('built', pkg, manifest, lib.reused, compiled, v, lib.attempts, { totalMs: Date.now() - started, libraryMs, compileMs, verifyMs }, summary);
  });
}

function result(
  status: NativeBuildResult['status'],
  pkg: NativePackage,
  manifest: NativeBuildManifest | null,
  libraryReused: boolean,
  compiled: boolean,
  verification: NativeVerification,
  attempts: readonly SourceAttempt[],
  timings: NativeBuildResult['timings'],
  summary: readonly string[],
): NativeBuildResult {
  return {
    status,
    packageName: pkg.name,
    packageVersion: pkg.version,
    packageDir: pkg.dir,
    bindingPath: pkg.bindingPath,
    depsDir: pkg.depsDir,
    manifest,
    libraryReused,
    compiled,
    verification,
    attempts,
    timings,
    summary,
  };
}
