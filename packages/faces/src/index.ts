/**
 * `@rfm/faces`: from photos and videos to aligned face crops and verdicts. Face detection and
 * 68-point landmarks with `@vladmandic/face-api` (weights from its npm package, on the training
 * tfjs-core engine and backend), 5-point similarity alignment, ffmpeg frame sampling, `prepare`
 * and per-face / per-frame / per-video prediction.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './face-api-module.js';
export * from './face-detector.js';
export * from './face-selection.js';
export * from './alignment.js';
export * from './ffmpeg.js';
export * from './video-frames.js';
export * from './media-sources.js';
export * from './prepare-faces.js';
export * from './predict-faces.js';
