/**
 * The least an SFE iteration can cost against a plain one when a FAM pass runs eagerly (wasm): a
 * FAM pass is a forward pass and an input gradient, so its convolutions alone, timed kernel by
 * kernel, put a floor under SFE/plain whatever the rest of the pass costs.
 */
import { CONV_BIAS_ACTIVATION_KERNEL } from '../packages/core/src/index.js';
import type { KernelProfile } from '../packages/backend/src/index.js';

/** The kernels of a FAM pass' convolutions: forward (with or without bias and ReLU) and input gradient. */
export const FAM_CONVOLUTION_KERNELS: readonly string[] = [CONV_BIAS_ACTIVATION_KERNEL, 'Conv2D', 'Conv2DBackpropInput'];

/**
 * Milliseconds a profiled FAM pass spent in its convolutions ({@link FAM_CONVOLUTION_KERNELS},
 * exclusive times).
 *
 * @param profile - `profileKernels` of one FAM pass
 */
export function famConvolutionMs(profile: Pick<KernelProfile, 'kernels'>): number {
  return profile.kernels.filter((k) => FAM_CONVOLUTION_KERNELS.includes(k.name)).reduce((sum, k) => sum + k.exclusiveMs, 0);
}

/**
 * SFE/plain if an SFE iteration added nothing but the FAM pass' convolutions to a plain one.
 *
 * @param convolutionMs - a FAM pass' convolution time ({@link famConvolutionMs})
 * @param plainMs - a plain iteration's time
 * @throws RangeError when `plainMs` is not positive
 */
export function sfeOverPlainFloor(convolutionMs: number, plainMs: number): number {
  if (!(plainMs > 0)) throw new RangeError(`sfeOverPlainFloor: plainMs must be positive, got ${plainMs}`);
  return 1 + convolutionMs / plainMs;
}
