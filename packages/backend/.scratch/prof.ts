import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { classificationLoss, createRng, floodLoss, createSmallBackbone } from '../../core/src/index.js';
import { createBackbone } from '../../models/src/index.js';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
const which = process.argv[2] ?? 'xception';
const size = which === 'small' ? 64 : 128;
const bb = which === 'small' ? createSmallBackbone({ inputSize: 64 }, createRng(1)) : createBackbone('xception', { widthMultiplier: 0.25, inputSize: 128 }, createRng(1));
const x = tf.randomNormal([16, size, size, 3]) as tf.Tensor4D;
const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32');
const opt = tf.train.adam(2e-4, 0.9, 0.999, 1e-8);
const vars = bb.trainableWeights();
const step = () => { const c = opt.minimize(() => floodLoss(classificationLoss(bb.apply(x, true).logits, labels), 0.04), true, vars); c!.dataSync(); c!.dispose(); };
step(); step();
const times: number[] = [];
for (let i = 0; i < 3; i++) { const t = performance.now(); step(); times.push(performance.now() - t); }
console.log('steps', times.map((t) => t.toFixed(0)).join(' '));
const state = (tf.engine() as any).state;
const depths: number[] = [];
const info = await tf.profile(() => { const list = state.activeProfile.kernels; list.push = (...it: unknown[]) => { for (const _ of it) depths.push(state.kernelDepth); return Array.prototype.push.apply(list, it); }; step(); });
// exclusive per (name, depth0 parent?) and shape
const childSum: number[] = [];
const agg = new Map<string, { n: number; ms: number }>();
const parents = new Map<string, number>();
info.kernels.forEach((k, i) => {
  const d = depths[i]!; const t = k.kernelTimeMs as number; const ex = t - (childSum[d + 1] ?? 0); childSum[d + 1] = 0; childSum[d] = (childSum[d] ?? 0) + t;
  const key = `${d} ${k.name} ${JSON.stringify(k.inputShapes)}`;
  const e = agg.get(key) ?? { n: 0, ms: 0 }; e.n++; e.ms += ex; agg.set(key, e);
  if (d === 0) parents.set(k.name, (parents.get(k.name) ?? 0) + t);
});
console.log('top-level inclusive:', [...parents].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([n, t]) => `${n}:${t.toFixed(0)}`).join(' '));
for (const [k, e] of [...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.argv[3] ?? 40))) console.log(e.ms.toFixed(1).padStart(7), String(e.n).padStart(4), k);
process.exit(0);
