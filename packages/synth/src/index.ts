/**
 * `@rfm/synth`: forgeries made from real faces. Region masks from 68-point landmarks, Self-Blended
 * Images (Shiohara & Yamasaki, CVPR 2022) as a seeded training source, and the building blocks
 * (blurs, warps, colour perturbation) they are made of.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './mask.js';
export * from './polygon.js';
export * from './region-masks.js';
export * from './gaussian-blur.js';
export * from './float-image.js';
export * from './geometric-warps.js';
export * from './colour-perturbation.js';
export * from './self-blend.js';
export * from './landmark-cache.js';
export * from './sbi-batch-source.js';
export * from './self-blended-store.js';
export * from './sbi-sources.js';
export * from './face-alignment.js';
export * from './face-blend.js';
export * from './region-swap.js';
export * from './set-writer.js';
export * from './synthesize-set.js';
export * from './less-forgery-set.js';
