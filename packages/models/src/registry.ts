/**
 * The backbone registry of rfm.js: core's `small` plus `xception` and `patch`, created by name.
 *
 * @packageDocumentation
 */
import {
  type Backbone,
  type BackboneFactoryOptions,
  BackboneRegistry,
  createCoreBackboneRegistry,
  type Logger,
  type Rng,
  type SmallBackboneOptions,
} from '@rfm/core';
import { createPatchBackbone } from './patch-model.js';
import type { PatchOptions } from './patch-options.js';
import { registerModelLayers } from './register-layers.js';
import { createXception } from './xception.js';
import { patchMultiplyAdds, xceptionMultiplyAdds } from './multiply-adds.js';
import type { XceptionOptions } from './xception-options.js';

/**
 * A new registry holding `small` (from core), `xception` and `patch`. Add your own factories with
 * `registry.register(name, factory)` (overwriting a name warns through `logger`).
 *
 * @param logger - receives overwrite warnings
 */
export function createBackboneRegistry(logger?: Logger): BackboneRegistry {
  registerModelLayers();
  return createCoreBackboneRegistry(logger)
    .register('xception', (o, rng) => createXception(o as XceptionOptions, rng), (o) => xceptionMultiplyAdds(o as XceptionOptions))
    .register('patch', (o, rng) => createPatchBackbone(o as PatchOptions, rng), (o) => patchMultiplyAdds(o as PatchOptions));
}

let builtIn: BackboneRegistry | undefined;

function builtInRegistry(): BackboneRegistry {
  builtIn ??= createBackboneRegistry();
  return builtIn;
}

/**
 * Builds a built-in backbone by name. Registers the custom layers first, so saved models of it can
 * be loaded afterwards.
 *
 * @param name - `small`, `xception` or `patch`
 * @param options - the factory's options (`SmallBackboneOptions`, {@link XceptionOptions}, {@link PatchOptions})
 * @param rng - seeds every initializer
 * @throws `UnknownBackboneError` listing the known names; `InvalidOptionError` for a bad option
 * @example
 * ```ts
 * const backbone = createBackbone('xception', { inputSize: 128, widthMultiplier: 0.25 }, createRng(5));
 * ```
 */
export function createBackbone(name: 'xception', options: XceptionOptions, rng: Rng): Backbone;
export function createBackbone(name: 'patch', options: PatchOptions, rng: Rng): Backbone;
export function createBackbone(name: 'small', options: SmallBackboneOptions, rng: Rng): Backbone;
export function createBackbone(name: string, options: BackboneFactoryOptions, rng: Rng): Backbone;
export function createBackbone(name: string, options: object, rng: Rng): Backbone {
  registerModelLayers();
  return builtInRegistry().create(name, options as BackboneFactoryOptions, rng);
}

/** Names of the built-in backbones, sorted: `['patch', 'small', 'xception']`. */
export function backboneNames(): string[] {
  return builtInRegistry().names();
}

/**
 * Multiply-adds of one image's forward pass through the built-in backbone `name` with `options`,
 * without building it (see `BackboneRegistry.forwardMultiplyAdds`).
 *
 * @param name - `xception`, `patch` or `small`
 * @param options - the factory's options
 * @throws `UnknownBackboneError` listing the known names; `InvalidOptionError` for options the factory refuses
 * @example
 * ```ts
 * backboneMultiplyAdds('xception', { widthMultiplier: 0.25, inputSize: 128 }); // 9.7e7
 * ```
 */
export function backboneMultiplyAdds(name: string, options: object): number {
  return builtInRegistry().forwardMultiplyAdds(name, options as BackboneFactoryOptions)!;
}
