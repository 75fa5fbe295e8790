/**
 * Registration of SFE in a tsyringe container.
 *
 * @packageDocumentation
 */
import { registerAugmentation } from '@rfm/core';
import type { DependencyContainer } from 'tsyringe';
import { SuspiciousForgeriesErasing } from './sfe-erasing.js';
import type { SfeOptions } from './sfe-options.js';

/**
 * Registers a {@link SuspiciousForgeriesErasing} plugin on core's `AUGMENTATION` token.
 * Idempotent: registering again with the same (resolved) options is a no-op; registering `sfe`
 * with other options in the same container throws `DuplicateAugmentationError`.
 *
 * @param container - usually the run's child container
 * @param options - SFE options (paper defaults when omitted)
 * @returns true if the plugin was registered by this call, false if it already was
 * @example
 * ```ts
 * const run = container.createChildContainer();
 * registerSfe(run, { maxHeight: 120 / 224, maxWidth: 120 / 224 });
 * const plugins = run.resolveAll<Augmentation>(AUGMENTATION);
 * ```
 */
export function registerSfe(container: DependencyContainer, options: SfeOptions = {}): boolean {
  const plugin = new SuspiciousForgeriesErasing(options);
  return registerAugmentation(container, plugin, `sfe:${JSON.stringify(plugin.options)}`);
}
