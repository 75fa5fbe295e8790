import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
function bench(f: () => tf.Tensor | tf.Tensor[], reps = 9) {
  tf.dispose(f());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); const r = f(); ts.push(performance.now() - t); tf.dispose(r); }
  ts.sort((a, b) => a - b);
  return ts[reps >> 1]!.toFixed(2);
}
for (const [m, c] of [[1024, 182], [4096, 182], [16384, 64], [59536, 32], [15376, 91], [15376, 64], [59536, 16], [3721*16, 8]]) {
  const x = tf.randomNormal([m!, c!]);
  const out: string[] = [`2d:${bench(() => tf.transpose(x))}`];
  for (const b of [4, 8, 16, 32, 61, 64, 128, 256, 1024]) if (m! % b === 0) out.push(`b${b}:${bench(() => tf.transpose(tf.reshape(x, [m! / b, b, c!]), [2, 0, 1]))}`);
  console.log(m, c, out.join(' '));
  x.dispose();
}
process.exit(0);
