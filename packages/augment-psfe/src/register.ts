/**
 * Registration of PSFE in a tsyringe container.
 *
 * @packageDocumentation
 */
import { registerAugmentation } from '@rfm/core';
import type { DependencyContainer } from 'tsyringe';
import { ProgressiveSfe } from './progressive-sfe.js';
import type { PsfeOptions } from './psfe-options.js';

/**
 * Registers a {@link ProgressiveSfe} plugin on core's `AUGMENTATION` token. Idempotent for the
 * same options; `psfe` with other options in the same container throws `DuplicateAugmentationError`.
 * PSFE and SFE have different names, so both can be registered (they would then erase twice).
 *
 * @param container - usually the run's child container
 * @param options - PSFE options (paper defaults when omitted)
 * @returns true if the plugin was registered by this call, false if it already was
 * @example
 * ```ts
 * registerPsfe(container.createChildContainer(), { maxHeight: 120 / 224, maxWidth: 120 / 224 });
 * ```
 */
export function registerPsfe(container: DependencyContainer, options: PsfeOptions = {}): boolean {
  const plugin = new ProgressiveSfe(options);
  return registerAugmentation(container, plugin, `psfe:${JSON.stringify(plugin.options)}`);
}
