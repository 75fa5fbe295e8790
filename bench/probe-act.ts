import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { createRng } from '/work/wt/perf/packages/core/src/index.js';
import { createBackbone } from '/work/wt/perf/packages/models/src/index.js';
import { initBackend } from '/work/wt/perf/packages/backend/src/index.js';
await initBackend('cpu');
for (const [w, s] of [[1, 224], [0.25, 128]]) {
const bb = createBackbone('xception', { widthMultiplier: w, inputSize: s }, createRng(1));
let el = 0; const types: Record<string, number> = {};
for (const l of bb.model.layers) { const shapes = Array.isArray(l.outputShape[0]) ? l.outputShape as number[][] : [l.outputShape as number[]]; for (const sh of shapes) { const n = sh.slice(1).reduce((a, b) => a * (b ?? 1), 1); el += n; types[l.getClassName()] = (types[l.getClassName()] ?? 0) + n; } }
console.log(w, s, 'layers', bb.model.layers.length, 'outMB/img', (el * 4 / 2**20).toFixed(1), 'params', bb.countParams(), JSON.stringify(Object.fromEntries(Object.entries(types).map(([k, v]) => [k, +(v*4/2**20).toFixed(1)]))));
bb.dispose();
}
