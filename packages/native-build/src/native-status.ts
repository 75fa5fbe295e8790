/**
 * A cheap, synchronous look at whether the native TensorFlow addon is built (no library loaded).
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import { missingLibraryFiles } from './native-cache.js';
import { NativeBuildError } from './native-errors.js';
import { type NativeBuildManifest, readNativeManifest } from './native-install.js';
import { locateNativePackage, nativePackageName, type NativePackage, type NativePackageName } from './native-package.js';

/** Options of {@link nativeAddonStatus}. */
export interface NativeStatusOptions {
  /** Look at `@tensorflow/tfjs-node-gpu`. @default false */
  readonly gpu?: boolean;
  /** The package directory. @default resolved from `@rfm/backend` */
  readonly packageDir?: string;
}

/** What {@link nativeAddonStatus} found. */
export interface NativeAddonStatus {
  /** npm package looked at. */
  readonly packageName: NativePackageName;
  /** The package, or null when it is not installed. */
  readonly package: NativePackage | null;
  /** The addon file exists at the path tfjs-node loads it from. */
  readonly bindingPresent: boolean;
  /** `deps/` has the TensorFlow library and headers (dangling symlinks count as absent). */
  readonly libraryPresent: boolean;
  /** Both of the above: tfjs-node should load (a full check is {@link verifyNativeAddon}). */
  readonly built: boolean;
  /** The record left by {@link buildNative}, or null (not built, or built another way). */
  readonly manifest: NativeBuildManifest | null;
  /** One line for humans. */
  readonly summary: string;
}

/**
 * Reports whether the native addon is built, without loading it.
 *
 * @param options - flavour and package location
 * @example
 * ```ts
 * const s = nativeAddonStatus();
 * console.log(s.summary); // "@tensorflow/tfjs-node 4.22.0: built against TensorFlow 2.21.0 (pip download tensorflow-cpu==2.21.0: ...)"
 * ```
 */
export function nativeAddonStatus(options: NativeStatusOptions = {}): NativeAddonStatus {
  const gpu = options.gpu ?? false;
  const packageName = nativePackageName(gpu);
  let pkg: NativePackage;
  try {
    pkg = locateNativePackage(gpu, options.packageDir ?? null);
  } catch (e) {
    if (!(e instanceof NativeBuildError)) throw e;
    return { packageName, package: null, bindingPresent: false, libraryPresent: false, built: false, manifest: null, summary: e.message };
  }
  const bindingPresent = fs.existsSync(pkg.bindingPath);
  const libraryPresent = missingLibraryFiles(pkg.depsDir).length === 0;
  const manifest = readNativeManifest(pkg);
  const built = bindingPresent && libraryPresent;
  const head = `${pkg.name} ${pkg.version}`;
  const summary = built
    ? manifest
      ? `${head}: built against TensorFlow ${manifest.library.tfVersion} (${manifest.library.origin.from}), deps ${manifest.linkMode === 'symlink' ? 'symlinked to' : `${manifest.linkMode} of`} ${manifest.library.cacheDir}`
      : `${head}: built (not by rfm: no deps/rfm-native.json)`
    : bindingPresent
      ? `${head}: addon present but its TensorFlow library is missing from ${pkg.depsDir} (cache deleted?); run buildNative() again`
      : `${head}: not built (no ${pkg.bindingPath}); run \`buildNative()\``;
  return { packageName, package: pkg, bindingPresent, libraryPresent, built, manifest, summary };
}
