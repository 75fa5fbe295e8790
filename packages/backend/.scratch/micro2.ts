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
for (const [s, cout] of [[[16, 8, 8, 182], 182], [[16, 16, 16, 182], 182], [[16, 32, 32, 64], 128], [[16, 61, 61, 32], 64]] as [number[], number][]) {
  const x = tf.randomNormal(s) as tf.Tensor4D;
  const [n, h, w, c] = s as [number, number, number, number];
  // fresh dy each call to defeat XNNPACK weight caching
  const dy = () => tf.randomNormal([n, h, w, cout]) as tf.Tensor4D;
  bench(`randn only ${s}`, () => dy());
  bench(`1x1 dW cur (2d transpose + mm) ${s}`, () => tf.tidy(() => tf.matMul(tf.transpose(tf.reshape(x, [n * h * w, c])), tf.reshape(dy(), [n * h * w, cout]))));
  bench(`1x1 dW 4d transposes + mm ${s}`, () => tf.tidy(() => tf.matMul(tf.reshape(tf.transpose(x, [3, 1, 2, 0]), [c, n * h * w]), tf.reshape(tf.transpose(dy(), [1, 2, 0, 3]), [n * h * w, cout]))));
  bench(`1x1 dW conv trick ${s}`, () => tf.tidy(() => tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy(), [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid')));
  bench(`1x1 dW^T: dy 4d-transposed as A ${s}`, () => tf.tidy(() => tf.matMul(tf.reshape(tf.transpose(dy(), [3, 1, 2, 0]), [cout, n * h * w]), tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [n * h * w, c]))));
  bench(`sum via avgpool [1,NH,W,C] ${s}`, () => tf.tidy(() => tf.mul(tf.avgPool(tf.reshape(x, [1, n * h, w, c]) as tf.Tensor4D, [n * h, w], 1, 'valid'), n * h * w)));
  bench(`sum via avgpool [N,H,W,C]+sum ${s}`, () => tf.tidy(() => tf.mul(tf.sum(tf.avgPool(x, [h, w], 1, 'valid'), 0), h * w)));
  bench(`relu ${s}`, () => tf.relu(x));
  bench(`maximum ${s}`, () => tf.maximum(x, 0));
  bench(`step ${s}`, () => tf.step(x));
  bench(`pad4 ${s}`, () => tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]));
  bench(`slice4 ${s}`, () => tf.slice(x, [0, 1, 1, 0], [n, h - 1, w - 1, c]));
  bench(`stack9 ${s}`, () => tf.stack([x, x, x, x, x, x, x, x, x]));
  bench(`concat ch9 ${s}`, () => tf.concat([x, x, x, x, x, x, x, x, x], 3));
  x.dispose();
}
process.exit(0);
