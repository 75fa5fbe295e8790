export * from './forgery-attention-map.js';
export * from './average-map.js';
export * from './similarity.js';
export * from './colormap.js';
export * from './png.js';
export * from './cam.js';
export * from './grad-cam.js';
