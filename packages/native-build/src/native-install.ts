/**
 * Putting a cached library and addon into the tfjs-node package: `deps/` is assembled in a
 * temporary directory and renamed into place, then the addon is copied beside its final path and
 * renamed over it. `deps/rfm-native.json` records what was installed and where it came from.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CachedAddon } from './addon-compile.js';
import { type LibraryEntry, type LibraryOrigin, makeTempDir, removeStaleTemps, replaceDir } from './native-cache.js';
import type { NativeLinkMode } from './native-options.js';
import type { NativePackage } from './native-package.js';

/** File in `<tfjs-node>/deps` describing the installed build. */
export const NATIVE_MANIFEST_FILE = 'rfm-native.json';

/** What `deps/rfm-native.json` records. */
export interface NativeBuildManifest {
  /** Always `@rfm/backend buildNative`. */
  readonly builtBy: string;
  /** The package the addon was installed into. */
  readonly package: { readonly name: string; readonly version: string };
  /** The TensorFlow C library. */
  readonly library: {
    readonly id: string;
    readonly tfVersion: string;
    readonly flavour: 'cpu' | 'gpu';
    readonly origin: LibraryOrigin;
    /** The cache entry the files were linked or copied from. */
    readonly cacheDir: string;
  };
  /** How the library files were placed in `deps/`. */
  readonly linkMode: NativeLinkMode;
  /** The addon. */
  readonly addon: {
    readonly napiBuildVersion: number;
    readonly compiledAt: string;
    readonly node: string;
    readonly compileMs: number;
    /** The binding patch set of its sources (`binding-patches.ts`); absent for addons of earlier rfm.js versions. */
    readonly bindingPatchSet?: string;
    /** The patches that applied. */
    readonly bindingPatches?: readonly string[];
  };
  /** When it was installed (ISO 8601). */
  readonly installedAt: string;
}

/**
 * Reads `deps/rfm-native.json`, or null when the package was not built by {@link buildNative}.
 *
 * @param pkg - tfjs-node package
 */
export function readNativeManifest(pkg: NativePackage): NativeBuildManifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(pkg.depsDir, NATIVE_MANIFEST_FILE), 'utf8')) as NativeBuildManifest;
  } catch {
    return null;
  }
}

/** Copies (or hard-links) a tree, recreating symlinks as symlinks. */
function mirror(src: string, dst: string, mode: 'hardlink' | 'copy'): void {
  fs.mkdirSync(dst, { recursive: true });
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name);
    const d = path.join(dst, name);
    const st = fs.lstatSync(s);
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
    else if (st.isDirectory()) mirror(s, d, mode);
    else if (mode === 'copy') fs.copyFileSync(s, d);
    else {
      try {
        fs.linkSync(s, d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        fs.copyFileSync(s, d);
      }
    }
  }
}

/**
 * Installs a cached library and addon into the package.
 *
 * @param pkg - tfjs-node package
 * @param entry - library cache entry
 * @param addon - the compiled addon
 * @param linkMode - how `deps/` refers to the library
 * @returns the manifest written to `deps/rfm-native.json`
 */
export function installIntoPackage(pkg: NativePackage, entry: LibraryEntry, addon: CachedAddon, linkMode: NativeLinkMode): NativeBuildManifest {
  removeStaleTemps(pkg.dir);
  const manifest: NativeBuildManifest = {
    builtBy: '@rfm/backend buildNative',
    package: { name: pkg.name, version: pkg.version },
    library: { id: entry.id, tfVersion: entry.tfVersion, flavour: entry.flavour, origin: entry.origin, cacheDir: entry.dir },
    linkMode,
    addon: {
      napiBuildVersion: pkg.napiBuildVersion,
      compiledAt: addon.compiledAt,
      node: addon.node,
      compileMs: addon.compileMs,
      bindingPatchSet: addon.bindingPatchSet,
      bindingPatches: addon.bindingPatches,
    },
    installedAt: new Date().toISOString(),
  };
  const staged = makeTempDir(pkg.dir, 'deps');
  try {
    for (const sub of ['lib', 'include']) {
      if (linkMode === 'symlink') fs.symlinkSync(path.join(entry.dir, sub), path.join(staged, sub));
      else mirror(path.join(entry.dir, sub), path.join(staged, sub), linkMode);
    }
    fs.writeFileSync(path.join(staged, NATIVE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    replaceDir(staged, pkg.depsDir);
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
  const bindingDir = path.dirname(pkg.bindingPath);
  fs.mkdirSync(bindingDir, { recursive: true });
  removeStaleTemps(bindingDir);
  const tmp = path.join(path.dirname(staged), `${path.basename(staged)}.node`);
  fs.copyFileSync(addon.file, tmp);
  fs.renameSync(tmp, pkg.bindingPath);
  return manifest;
}
