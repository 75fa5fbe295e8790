/**
 * Compiling tfjs-node's addon (`binding/*.cc`) against a cached TensorFlow C library, in a
 * temporary copy of the package so the installed package is untouched until the build succeeded,
 * and caching the result beside the library.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LibraryEntry, makeTempDir, replaceDir } from './native-cache.js';
import { NativeBuildError } from './native-errors.js';
import type { NativePackage } from './native-package.js';
import { describeExit, runTool } from './native-process.js';
import type { Toolchain } from './toolchain.js';
import { probeBinding } from './native-verify.js';
import { applyBindingPatches, BINDING_PATCH_SET, BINDING_PATCHES } from './binding-patches.js';

/** A compiled addon stored in the cache. */
export interface CachedAddon {
  /** The `.node` file. */
  readonly file: string;
  /** When it was compiled (ISO 8601). */
  readonly compiledAt: string;
  /** Node version that compiled it (the addon uses N-API, so any Node with this N-API level loads it). */
  readonly node: string;
  /** Compile wall time, ms. */
  readonly compileMs: number;
  /** The {@link BINDING_PATCH_SET} the sources were patched with. */
  readonly bindingPatchSet: string;
  /** The patches that applied (see `binding-patches.ts`). */
  readonly bindingPatches: readonly string[];
}

/** `<entry>/addons/<pkg>@<version>/napi-v<n>`: where the addon for this package and library is cached. */
export function addonCacheDir(entry: LibraryEntry, pkg: NativePackage): string {
  return path.join(entry.dir, 'addons', `${pkg.name.replace('@tensorflow/', '')}@${pkg.version}`, `napi-v${pkg.napiBuildVersion}`);
}

/**
 * The cached addon for this package and library, or null (also when it was compiled with another
 * {@link BINDING_PATCH_SET}).
 *
 * @param entry - library cache entry
 * @param pkg - tfjs-node package
 */
export function readCachedAddon(entry: LibraryEntry, pkg: NativePackage): CachedAddon | null {
  const dir = addonCacheDir(entry, pkg);
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'addon.json'), 'utf8')) as Omit<CachedAddon, 'file'>;
    const file = path.join(dir, 'tfjs_binding.node');
    return fs.existsSync(file) && meta.bindingPatchSet === BINDING_PATCH_SET ? { ...meta, file } : null;
  } catch {
    return null;
  }
}

/**
 * Compiles the addon with `node-pre-gyp install --build-from-source --nodedir=<local prefix>
 * --napi_build_version=<n>` in a temporary copy of the package whose `deps/` points at the cached
 * library and whose sources carry rfm.js' {@link BINDING_PATCHES} (`binding-patches.ts`), checks
 * that the result loads, and stores it in the cache.
 *
 * @param pkg - tfjs-node package (its `binding/`, `binding.gyp` and `package.json` are copied)
 * @param entry - the library to link against
 * @param tools - compiler toolchain
 * @param jobs - parallel compile jobs
 * @param onLine - compiler output
 * @throws NativeBuildError `build-failed` with the tail of the compiler output
 */
export async function compileAddon(
  pkg: NativePackage,
  entry: LibraryEntry,
  tools: Toolchain,
  jobs: number,
  onLine?: (line: string) => void,
): Promise<CachedAddon> {
  const work = makeTempDir(path.dirname(entry.dir), 'compile');
  try {
    for (const item of ['binding', 'binding.gyp', 'package.json']) {
      fs.cpSync(path.join(pkg.dir, item), path.join(work, item), { recursive: true });
    }
    const patches = applyBindingPatches(path.join(work, 'binding'));
    for (const skipped of patches.skipped) onLine?.(`binding patch ${skipped.id} not applied: ${skipped.reason}`);
    fs.mkdirSync(path.join(work, 'deps'));
    fs.symlinkSync(path.join(entry.dir, 'lib'), path.join(work, 'deps', 'lib'));
    fs.symlinkSync(path.join(entry.dir, 'include'), path.join(work, 'deps', 'include'));
    const timeoutMs = 20 * 60_000;
    let firstError: string | null = null;
    const r = await runTool(
      process.execPath,
      [tools.nodePreGyp, 'install', '--build-from-source', `--nodedir=${tools.nodeDir}`, `--napi_build_version=${pkg.napiBuildVersion}`],
      {
        cwd: work,
        timeoutMs,
        onLine: (line) => {
          if (firstError === null && /(\berror\b:|ERR! stack \w*Error:|undefined reference)/i.test(line)) firstError = line.trim();
          onLine?.(line);
        },
        tailLines: 40,
        env: { npm_config_node_gyp: tools.nodeGyp, npm_config_python: tools.python, JOBS: String(jobs), CXX: tools.cxx },
      },
    );
    const built = path.join(work, 'lib', `napi-v${pkg.napiBuildVersion}`, 'tfjs_binding.node');
    if (r.code !== 0 || !fs.existsSync(built)) {
      throw new NativeBuildError(
        'build-failed',
        `Compiling ${pkg.name}'s addon against ${entry.id} failed (node-pre-gyp ${describeExit(r, timeoutMs)}${firstError ? `: ${firstError}` : ''}); the installed package was not changed.`,
        firstError ? [firstError, ...r.tail] : r.tail,
      );
    }
    const probe = await probeBinding(built);
    if (!probe.ok) {
      throw new NativeBuildError('build-failed', `The freshly compiled addon does not load: ${probe.error}`, probe.tail);
    }
    const staged = makeTempDir(path.dirname(entry.dir), 'addon');
    const meta: Omit<CachedAddon, 'file'> = {
      compiledAt: new Date().toISOString(),
      node: process.version,
      compileMs: r.ms,
      bindingPatchSet: BINDING_PATCH_SET,
      bindingPatches: patches.applied,
    };
    fs.copyFileSync(built, path.join(staged, 'tfjs_binding.node'));
    fs.writeFileSync(path.join(staged, 'addon.json'), `${JSON.stringify({ ...meta, tfVersion: probe.tfVersion }, null, 2)}\n`);
    const target = addonCacheDir(entry, pkg);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    replaceDir(staged, target);
    return { ...meta, file: path.join(target, 'tfjs_binding.node') };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
