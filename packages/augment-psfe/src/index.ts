/**
 * `@rfm/augment-psfe`: Progressive Suspicious Forgeries Erasing (Wang & Deng, CVPR 2021, §4.3)
 * as an augmentation plugin. It reuses SFE's options and block sampler from `@rfm/augment-sfe`.
 *
 * @packageDocumentation
 */
export { ProgressiveSfe } from './progressive-sfe.js';
export type { PsfeOptions } from './psfe-options.js';
export { PSFE_DEFAULTS } from './psfe-options.js';
export { registerPsfe } from './register.js';
