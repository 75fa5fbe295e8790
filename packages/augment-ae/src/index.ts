/**
 * `@rfm/augment-ae`: Adversarial Erasing (Wei et al., CVPR 2017), CAM guided, as a one-step online
 * rfm.js augmentation plugin: the "+AE" baseline of the RFM paper's Table 3.
 *
 * @packageDocumentation
 */
export { AdversarialErasing } from './adversarial-erasing.js';
export type { AdversarialErasingImageParams } from './adversarial-erasing.js';
export { ADVERSARIAL_ERASING_DEFAULTS, resolveAdversarialErasingOptions } from './adversarial-erasing-options.js';
export type {
  AdversarialErasingOptions,
  AdversarialErasingThreshold,
  ResolvedAdversarialErasingOptions,
} from './adversarial-erasing-options.js';
export { registerAdversarialErasing } from './register.js';
export { camCutoff } from './cam-threshold.js';
