/**
 * `@rfm/native-build`: builds the native TensorFlow backend (`@tensorflow/tfjs-node`'s addon)
 * offline, on demand: {@link buildNative}, {@link nativeAddonStatus}, {@link verifyNativeAddon} and
 * their types. Used by `rfm backend build-native` and `scripts/ci-native.sh`; selecting a backend at
 * run time is `@rfm/backend`'s job.
 *
 * @packageDocumentation
 */
export { buildNative } from './build-native.js';
export type { NativeBuildResult } from './build-native.js';
export { BUILD_NATIVE_DEFAULTS, defaultNativeCacheDir, defaultNodeDir, resolveBuildNativeOptions } from './native-options.js';
export type {
  BuildNativeOptions,
  NativeBuildProgress,
  NativeLibrarySource,
  NativeLinkMode,
  ResolvedBuildNativeOptions,
} from './native-options.js';
export { NATIVE_CANNOT_BUILD, NativeBuildError } from './native-errors.js';
export type { NativeBuildFailure } from './native-errors.js';
export { nativeAddonStatus } from './native-status.js';
export type { NativeAddonStatus, NativeStatusOptions } from './native-status.js';
export { verifyNativeAddon } from './native-verify.js';
export type { NativeVerification } from './native-verify.js';
export { applyBindingPatches, BINDING_PATCH_SET, BINDING_PATCHES, SIGNALS_BLOCKED_PATCH } from './binding-patches.js';
export type { BindingEdit, BindingPatch, BindingPatchResult } from './binding-patches.js';
export { NATIVE_MANIFEST_FILE } from './native-install.js';
export type { NativeBuildManifest } from './native-install.js';
export { checkGpuRuntime, TFJS_NODE_GPU_REQUIREMENTS } from './gpu-requirements.js';
export type { GpuRuntimeCheck } from './gpu-requirements.js';
export { listLibraryEntries } from './native-cache.js';
export type { LibraryEntry, LibraryOrigin } from './native-cache.js';
export type { SourceAttempt } from './library-sources.js';
export { locateNativePackage } from './native-package.js';
export type { NativePackage, NativePackageName } from './native-package.js';
