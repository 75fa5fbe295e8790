/**
 * Composition-root helper: registers Random Erasing on core's `AUGMENTATION` token.
 *
 * @packageDocumentation
 */
import { registerAugmentation } from '@rfm/core';
import type { DependencyContainer } from 'tsyringe';
import { RandomErasing } from './random-erasing.js';
import type { RandomErasingOptions } from './random-erasing-options.js';

/**
 * Registers a {@link RandomErasing} plugin in `container` (usually the per-run child container).
 * Calling it again with the same resolved options is a no-op; with other options it throws, since
 * two Random Erasing plugins would share the name `re`. Importing the package registers nothing.
 *
 * @param container - tsyringe container
 * @param options - plugin options (validated here)
 * @returns true if registered now, false if an identical plugin already was
 * @throws InvalidOptionError for a bad option; DuplicateAugmentationError for a clashing `re`
 * @example
 * ```ts
 * const run = container.createChildContainer();
 * registerRandomErasing(run, { probability: 0.5 });
 * ```
 */
export function registerRandomErasing(container: DependencyContainer, options: RandomErasingOptions = {}): boolean {
  const plugin = new RandomErasing(options);
  return registerAugmentation(container, plugin, `re:${JSON.stringify(plugin.options)}`);
}
