import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { classificationLoss, createRng, floodLoss } from '/work/wt/perf/packages/core/src/index.js';
import { createBackbone } from '/work/wt/perf/packages/models/src/index.js';
import { initBackend } from '/work/wt/perf/packages/backend/src/index.js';
const backend = process.argv[2] ?? 'wasm';
const batch = Number(process.argv[3] ?? 2);
const size = Number(process.argv[4] ?? 224);
const width = Number(process.argv[5] ?? 1);
await initBackend(backend as 'wasm');
const bb = createBackbone('xception', { widthMultiplier: width, inputSize: size }, createRng(1));
const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32');
const opt = tf.train.adam(2e-4);
const heap = () => { const w = (tf.backend() as any).wasm; return w ? (w.HEAPU8.buffer.byteLength / 2**20).toFixed(0) : '-'; };
for (let i = 0; i < Number(process.env.STEPS ?? 3); i++) {
  const t = performance.now();
  let peak = 0;
  const c = opt.minimize(() => { const l = floodLoss(classificationLoss(bb.apply(x, true).logits, labels), 0.04); peak = tf.memory().numBytes; return l; }, true, bb.trainableWeights());
  await c!.data(); c!.dispose();
  console.log(JSON.stringify({ i, ms: Math.round(performance.now() - t), heapMb: heap(), fwdBytesMb: Math.round(peak / 2**20), rssMb: Math.round(process.memoryUsage().rss / 2**20), tensors: tf.memory().numTensors }));
}
