/**
 * `@rfm/models`: the Xception and Patch backbones of rfm.js, a registry creating them by name, and
 * the custom layers their saved models need.
 *
 * Importing this module registers the custom layers with tfjs serialisation (so `loadBackbone` from
 * `@rfm/core`, the one model loader, rebuilds every backbone of this package); call
 * {@link registerBackbones} in a composition root.
 *
 * @packageDocumentation
 */
export { createXception, CLASSIFIER_LAYER } from './xception.js';
export { XCEPTION_DEFAULTS, XCEPTION_MIN_INPUT_SIZE, resolveXceptionOptions } from './xception-options.js';
export type { XceptionOptions, XceptionTrunkOptions, ResolvedXceptionOptions } from './xception-options.js';
export { createPatchBackbone, patchReceptiveField } from './patch-model.js';
export { PATCH_DEFAULTS, PATCH_MAX_CUT, PATCH_MIN_INPUT_SIZE, resolvePatchOptions } from './patch-options.js';
export type { PatchOptions, ResolvedPatchOptions } from './patch-options.js';
export { XCEPTION_CHANNELS, scaleChannels, xceptionBlockSpecs, receptiveField } from './xception-blocks.js';
export type { XceptionBlockSpec } from './xception-blocks.js';
export type { InitScheme, PoolPadding } from './option-checks.js';
export { createWeightInit } from './weight-init.js';
export type { WeightInit, Initializer } from './weight-init.js';
export { SymmetricMaxPooling2D } from './symmetric-max-pool.js';
export type { SymmetricMaxPooling2DArgs } from './symmetric-max-pool.js';
export { registerModelLayers, MODEL_LAYER_CLASSES } from './register-layers.js';
export { createBackboneRegistry, createBackbone, backboneNames, backboneMultiplyAdds } from './registry.js';
export { xceptionMultiplyAdds, patchMultiplyAdds } from './multiply-adds.js';
export { BACKBONE_REGISTRY, registerBackbones } from './di.js';
export { describeBackbone } from './describe.js';
export type { BackboneDescription } from './describe.js';
export { backboneFromModel } from './load.js';
