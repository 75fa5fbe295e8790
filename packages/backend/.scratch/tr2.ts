import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
function bench(name: string, f: () => tf.Tensor | tf.Tensor[], reps = 9) {
  tf.dispose(f());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); const r = f(); ts.push(performance.now() - t); tf.dispose(r); }
  ts.sort((a, b) => a - b);
  console.log(name.padEnd(50), ts[0]!.toFixed(2), ts[reps >> 1]!.toFixed(2));
}
for (const s of [[16, 8, 8, 182], [16, 16, 16, 182], [16, 32, 32, 64], [16, 61, 61, 32], [16,31,31,91]]) {
  const [n, h, w, c] = s as [number, number, number, number];
  const x = tf.randomNormal(s) as tf.Tensor4D;
  bench(`2d ${s}`, () => tf.transpose(tf.reshape(x, [n * h * w, c])));
  bench(`3d [2,0,1] ${s}`, () => tf.transpose(tf.reshape(x, [n, h * w, c]), [2, 0, 1]));
  bench(`4d [3,0,1,2] ${s}`, () => tf.transpose(x, [3, 0, 1, 2]));
  bench(`4d [3,1,2,0] ${s}`, () => tf.transpose(x, [3, 1, 2, 0]));
  bench(`4d [1,2,0,3] ${s}`, () => tf.transpose(x, [1, 2, 0, 3]));
  bench(`2d back ${s}`, () => tf.transpose(tf.reshape(x, [c, n * h * w])));
  x.dispose();
}
process.exit(0);
