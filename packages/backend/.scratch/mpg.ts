import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../src/index.js';
await initBackend('wasm');
for (const [shape, k, s, pad] of [[[2,8,8,3],3,2,'same'],[[2,8,8,3],2,2,'valid'],[[2,9,9,3],3,2,'same'],[[2,8,8,3],3,1,'same'],[[1,4,4,1],3,2,'same']] as const) {
  const res: number[][] = [];
  for (const b of ['cpu', 'wasm']) {
    await tf.setBackend(b);
    const x = tf.tensor(Array.from({length: shape.reduce((a,c)=>a*c,1)}, (_, i) => Math.sin(i * 1.7) * 3), shape as unknown as number[]) as tf.Tensor4D;
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, k, s, pad), tf.range(1, 1 + (tf.maxPool(x, k, s, pad).size)).reshape ? 1 : 1)))(x);
    res.push(Array.from(g.dataSync()));
  }
  const d = Math.max(...res[0]!.map((v, i) => Math.abs(v - res[1]![i]!)));
  console.log(shape, k, s, pad, 'maxdiff', d);
  if (shape[1] === 4) { console.log(res[0]!.join(',')); console.log(res[1]!.join(',')); }
}
process.exit(0);
