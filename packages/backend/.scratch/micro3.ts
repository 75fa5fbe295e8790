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
  const a = tf.sum(x, [0, 1, 2]);
  const b = tf.mul(tf.avgPool(tf.reshape(x, [1, n * h, w, c]) as tf.Tensor4D, [n * h, w], 1, 'valid'), n * h * w);
  console.log('avgpool check', tf.max(tf.abs(tf.sub(tf.reshape(b, [c]), a))).dataSync()[0], tf.max(tf.abs(a)).dataSync()[0]);
  const dyBase = tf.randomNormal([n, h, w, cout]) as tf.Tensor4D;
  const dy = () => tf.add(dyBase, 0) as tf.Tensor4D;
  bench(`fresh dy only ${s}`, () => dy());
  bench(`1x1 dW cur (2d transpose + mm) ${s}`, () => tf.tidy(() => tf.matMul(tf.transpose(tf.reshape(x, [n * h * w, c])), tf.reshape(dy(), [n * h * w, cout]))));
  bench(`1x1 dW 4d transposes + mm ${s}`, () => tf.tidy(() => tf.matMul(tf.reshape(tf.transpose(x, [3, 1, 2, 0]), [c, n * h * w]), tf.reshape(tf.transpose(dy(), [1, 2, 0, 3]), [n * h * w, cout]))));
  bench(`1x1 dW conv trick ${s}`, () => tf.tidy(() => tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy(), [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid')));
  bench(`1x1 dW^T: dy 2d transposed ${s}`, () => tf.tidy(() => tf.matMul(tf.transpose(tf.reshape(dy(), [n * h * w, cout])), tf.reshape(x, [n * h * w, c]))));
  bench(`2d transpose x ${s}`, () => tf.tidy(() => tf.transpose(tf.reshape(x, [n * h * w, c]))));
  bench(`2d transpose dy ${s}`, () => tf.tidy(() => tf.transpose(tf.reshape(dy(), [n * h * w, cout]))));
  bench(`4d transpose x 3120 ${s}`, () => tf.tidy(() => tf.transpose(x, [3, 1, 2, 0])));
  bench(`4d transpose dy 1203 ${s}`, () => tf.tidy(() => tf.transpose(dy(), [1, 2, 0, 3])));
  bench(`mm only (x^T pre) ${s}`, ((xt) => () => tf.tidy(() => tf.matMul(xt, tf.reshape(dy(), [n * h * w, cout]))))(tf.transpose(tf.reshape(x, [n * h * w, c]))));
  bench(`fwd conv 1x1 ${s}`, ((wt) => () => tf.tidy(() => tf.conv2d(x, tf.add(wt, 0) as tf.Tensor4D, 1, 'same')))(tf.randomNormal([1, 1, c, cout]) as tf.Tensor4D));
  x.dispose();
}
process.exit(0);
