/**
 * `@rfm/augment-re`: Random Erasing (Zhong et al., AAAI 2020) as an rfm.js augmentation plugin,
 * the "+RE" baseline of the RFM paper's Table 3.
 *
 * @packageDocumentation
 */
export { RandomErasing } from './random-erasing.js';
export type { RandomErasingImageParams } from './random-erasing.js';
export { RANDOM_ERASING_DEFAULTS, resolveRandomErasingOptions } from './random-erasing-options.js';
export type { RandomErasingOptions, ResolvedRandomErasingOptions } from './random-erasing-options.js';
export { registerRandomErasing } from './register.js';
export { sampleRandomErasingRects } from './rect-sampler.js';
export type { RandomErasingRects } from './rect-sampler.js';
