import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
function bench(name: string, f: () => tf.Tensor | tf.Tensor[], reps = 7) {
  tf.dispose(f());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); const r = f(); ts.push(performance.now() - t); tf.dispose(r); }
  ts.sort((a, b) => a - b);
  console.log(name.padEnd(60), ts[0]!.toFixed(2), ts[reps >> 1]!.toFixed(2));
}
const shapes = [[16, 8, 8, 182], [16, 16, 16, 182], [16, 31, 31, 64], [16, 61, 61, 32]];
for (const s of shapes) {
  const x = tf.randomNormal(s) as tf.Tensor4D;
  const [n, h, w, c] = s as [number, number, number, number];
  bench(`sum012 ${s}`, () => tf.sum(x, [0, 1, 2]));
  bench(`mean012 ${s}`, () => tf.mean(x, [0, 1, 2]));
  bench(`avgpool+sum ${s}`, () => tf.tidy(() => tf.mul(tf.sum(tf.reshape(tf.avgPool(x, [h, w], 1, 'valid'), [n, c]), 0), h * w)));
  bench(`matmul ones ${s}`, () => tf.tidy(() => tf.matMul(tf.ones([1, n * h * w]), tf.reshape(x, [n * h * w, c]))));
  bench(`transpose2d ${s}`, () => tf.transpose(tf.reshape(x, [n * h * w, c])));
  bench(`transpose4d 3120 ${s}`, () => tf.transpose(x, [3, 1, 2, 0]));
  bench(`equal ${s}`, () => tf.equal(x, x));
  bench(`sub ${s}`, () => tf.sub(x, x));
  bench(`sign ${s}`, () => tf.sign(x));
  bench(`mul ${s}`, () => tf.mul(x, x));
  bench(`maxpoolgrad native ${s}`, () => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same'))(x)));
  bench(`maxPoolWithArgmax ${s}`, () => { const r = tf.maxPoolWithArgmax(x, 3, 2, 'same'); return [r.result, r.indexes]; });
  x.dispose();
}
process.exit(0);
