import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
function bench(name: string, f: () => tf.Tensor | tf.Tensor[], reps = 9) {
  tf.dispose(f());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); const r = f(); ts.push(performance.now() - t); tf.dispose(r); }
  ts.sort((a, b) => a - b);
  console.log(name.padEnd(50), ts[reps >> 1]!.toFixed(2));
}
for (const s of [[16, 8, 8, 182], [16, 61, 61, 32], [16, 31, 31, 64]]) {
  const c = s[3]!;
  const x = tf.randomNormal(s) as tf.Tensor4D;
  const v = tf.randomNormal([c]);
  const v4 = tf.reshape(v, [1, 1, 1, c]);
  bench(`mul same ${s}`, () => tf.mul(x, x));
  bench(`mul [C] ${s}`, () => tf.mul(x, v));
  bench(`mul [1,1,1,C] ${s}`, () => tf.mul(v4, x));
  bench(`mul scalar ${s}`, () => tf.mul(x, tf.scalar(3)));
  bench(`div scalar ${s}`, () => tf.div(x, tf.scalar(3)));
  bench(`add [C] ${s}`, () => tf.add(x, v));
  bench(`sub [C] ${s}`, () => tf.sub(x, v));
  bench(`dwconv1x1 ${s}`, () => tf.tidy(() => tf.depthwiseConv2d(x, tf.reshape(v, [1, 1, c, 1]) as tf.Tensor4D, 1, 'valid')));
  bench(`fused dwconv1x1 bias ${s}`, () => tf.tidy(() => tf.fused.depthwiseConv2d({ x, filter: tf.ones([1, 1, c, 1]) as tf.Tensor4D, strides: 1, pad: 'valid', bias: v })));
  bench(`batchNorm ${s}`, () => tf.tidy(() => tf.batchNorm(x, tf.zeros([c]), tf.ones([c]), v, v, 0)));
  bench(`relu ${s}`, () => tf.relu(x));
  bench(`square ${s}`, () => tf.square(x));
  bench(`step ${s}`, () => tf.step(x));
  bench(`fill ones ${s}`, () => tf.ones(s));
  x.dispose();
  const d1 = tf.tidy(() => tf.sub(tf.mul(x.shape ? tf.randomNormal(s) : x, 1), 0));
  d1.dispose();
}
process.exit(0);
