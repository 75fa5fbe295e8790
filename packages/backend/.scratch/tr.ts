import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
const cases: [number[], number[]][] = [
  [[16, 65, 65, 3], [3, 1, 2, 0]], [[16, 32, 32, 16], [1, 2, 0, 3]], [[16, 32, 32, 32], [1, 2, 0, 3]], [[16, 34, 34, 16], [1, 2, 0, 3]],
  [[16, 16, 2, 16, 2, 32], [2, 4, 0, 1, 3, 5]], [[2, 2, 16, 16, 16, 32], [2, 3, 0, 4, 1, 5]], [[16, 32, 32, 32], [3, 1, 2, 0]], [[16*32*32, 32],[1,0]],
];
for (const [shape, perm] of cases) {
  const x = tf.randomNormal(shape);
  tf.transpose(x, perm).dispose();
  const t = performance.now();
  for (let i = 0; i < 5; i++) tf.transpose(x, perm).dispose();
  console.log(JSON.stringify(shape), JSON.stringify(perm), ((performance.now() - t) / 5).toFixed(2), 'ms', (x.size / 1e6).toFixed(2), 'M');
  x.dispose();
}
process.exit(0);
