/**
 * The typed error of the native TensorFlow build. Its `reason` tells a caller (the CLI, the CI
 * script) whether the machine merely *cannot* build the addon, which is normal, or whether a build
 * that should have worked failed, which is a bug to report.
 *
 * @packageDocumentation
 */
import { RfmError } from '@rfm/core';

/**
 * Why the native backend could not be built.
 * - `package-missing`: `@tensorflow/tfjs-node` (or `-gpu`) is not installed (installed with `--no-optional`?).
 * - `unsupported-platform`: not Linux x86_64 / macOS / Windows, or a flavour tfjs-node does not ship.
 * - `toolchain-missing`: python3, make, a C++ compiler, node-gyp or the Node headers are absent.
 * - `no-library-source`: neither the download, a wheel, pip nor an archive gave a TensorFlow C library.
 * - `gpu-unavailable`: `gpu: true`, but the CUDA 11.2 / cuDNN 8.1 runtime or the GPU library cannot be had.
 * - `busy`: another process holds the build lock.
 * - `build-failed`: the compiler or the linker failed although everything needed was present.
 * - `verify-failed`: the addon was built but does not load, or tfjs does not switch to `tensorflow`.
 */
export type NativeBuildFailure =
  | 'package-missing'
  | 'unsupported-platform'
  | 'toolchain-missing'
  | 'no-library-source'
  | 'gpu-unavailable'
  | 'busy'
  | 'build-failed'
  | 'verify-failed';

/** Failures that only mean "this machine cannot build it" (CI treats them as a clean skip). */
export const NATIVE_CANNOT_BUILD: readonly NativeBuildFailure[] = [
  'package-missing',
  'unsupported-platform',
  'toolchain-missing',
  'no-library-source',
  'gpu-unavailable',
  'busy',
];

/** The native TensorFlow addon cannot be (or was not) built; `reason` says which case. */
export class NativeBuildError extends RfmError {
  /**
   * @param reason - machine-readable cause
   * @param message - what went wrong and the fix
   * @param details - extra lines (tool output tails, the sources tried)
   * @param options - standard `cause`
   */
  constructor(
    readonly reason: NativeBuildFailure,
    message: string,
    readonly details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super('RFM_BACKEND_UNAVAILABLE', message, options);
  }

  /** True when the failure means the machine lacks something, not that a build broke. */
  get cannotBuild(): boolean {
    return NATIVE_CANNOT_BUILD.includes(this.reason);
  }
}
