/**
 * `@rfm/attention`: the attention maps of Representative Forgery Mining. The Forgery Attention Map
 * (FAM, paper Eq. 1) that SFE and PSFE erase by, class activation maps (CAM, Grad-CAM, Grad-CAM++)
 * that Adversarial Erasing thresholds, the official average-map visualisation and the cosine
 * similarity of average maps (paper Figs. 7-8). Pure tensor functions over core's `ModelHandle`;
 * drawing them as images is the job of whoever shows them (the CLI).
 *
 * @packageDocumentation
 */
export * from './forgery-attention-map.js';
export * from './average-map.js';
export * from './similarity.js';
export * from './cam.js';
export * from './grad-cam.js';
