/**
 * `@rfm/augment-sfe`: Suspicious Forgeries Erasing (Wang & Deng, CVPR 2021) as an augmentation
 * plugin. Besides the plugin surface (class, options, defaults, register function) it exports the
 * option resolver and the block sampler, which progressive SFE (`@rfm/augment-psfe`) reuses.
 *
 * @packageDocumentation
 */
export { SuspiciousForgeriesErasing, sampleSfeBlocks } from './sfe-erasing.js';
export type { SfeOptions, ResolvedSfeOptions } from './sfe-options.js';
export { SFE_DEFAULTS, resolveSfeOptions } from './sfe-options.js';
export { registerSfe } from './register.js';
export { placeSfeBlocks } from './block-sampler.js';
export type { SfeBlock, SfeImageParams, SfeImageState } from './block-sampler.js';
