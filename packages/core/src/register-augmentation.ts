/**
 * Registering augmentation plugins in a tsyringe container: one registration per plugin on the
 * {@link AUGMENTATION} multi-token, idempotent for the same plugin, an error for a clashing name.
 *
 * @packageDocumentation
 */
import type { DependencyContainer } from 'tsyringe';
import type { Augmentation } from './augmentation.js';
import { DuplicateAugmentationError } from './errors.js';
import { AUGMENTATION } from './tokens.js';

const registered = new WeakMap<DependencyContainer, Map<string, string>>();

/**
 * Registers `plugin` on {@link AUGMENTATION} in `container`.
 *
 * Calling it again with a plugin of the same name and the same options (`identity`) is a no-op;
 * a different plugin reusing a taken name throws, since it would silently erase twice.
 * Note: tsyringe's `@injectAll` in a child container also sees the parent's registrations, so
 * register plugins in the per-run child container only.
 *
 * @param container - usually a per-run child container
 * @param plugin - the plugin instance
 * @param identity - a string identifying the plugin's configuration (default: its name)
 * @returns true if the plugin was registered now, false if it already was
 * @throws {@link DuplicateAugmentationError} when another plugin already uses the name
 */
export function registerAugmentation(
  container: DependencyContainer,
  plugin: Augmentation,
  identity: string = plugin.name,
): boolean {
  let names = registered.get(container);
  if (!names) {
    names = new Map();
    registered.set(container, names);
  }
  const existing = names.get(plugin.name);
  if (existing !== undefined) {
    if (existing === identity) return false;
    throw new DuplicateAugmentationError(plugin.name);
  }
  names.set(plugin.name, identity);
  container.register(AUGMENTATION, { useValue: plugin });
  return true;
}
