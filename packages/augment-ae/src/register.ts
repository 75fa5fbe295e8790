/**
 * Composition-root helper: registers Adversarial Erasing on core's `AUGMENTATION` token.
 *
 * @packageDocumentation
 */
import { registerAugmentation } from '@rfm/core';
import type { DependencyContainer } from 'tsyringe';
import { AdversarialErasing } from './adversarial-erasing.js';
import type { AdversarialErasingOptions } from './adversarial-erasing-options.js';

/**
 * Registers an {@link AdversarialErasing} plugin in `container` (usually the per-run child
 * container). Calling it again with the same resolved options is a no-op; with other options it
 * throws, since two plugins would share the name `ae`. Importing the package registers nothing.
 *
 * @param container - tsyringe container
 * @param options - plugin options (validated here)
 * @returns true if registered now, false if an identical plugin already was
 * @throws InvalidOptionError for a bad option; DuplicateAugmentationError for a clashing `ae`
 * @example
 * ```ts
 * const run = container.createChildContainer();
 * registerAdversarialErasing(run, { threshold: { kind: 'top-fraction', value: 0.2 } });
 * ```
 */
export function registerAdversarialErasing(container: DependencyContainer, options: AdversarialErasingOptions = {}): boolean {
  const plugin = new AdversarialErasing(options);
  return registerAugmentation(container, plugin, `ae:${JSON.stringify(plugin.options)}`);
}
