/**
 * Experiment behind the "batchNormTraining" figures of docs/backends.md: median time of an Xception
 * (width 0.25, 128 px, batch 16) training step with tfjs-layers' own training-mode batch norm
 * (`standard`) or with it routed through `batchNormTraining` (`fused`, by patching
 * `BatchNormalization.prototype.call` in this process only). `profile` adds a kernel breakdown.
 *
 *   node_modules/.bin/tsx --tsconfig tsconfig.base.json --conditions=@rfm/source \
 *     scripts/bench-native-batch-norm.ts tensorflow standard|fused [profile]
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { classificationLoss, createRng, floodLoss } from '../packages/core/src/index.js';
import { createBackbone } from '../packages/models/src/index.js';
import { batchNormTraining, initBackend } from '../packages/backend/src/index.js';
const [backend = 'tensorflow', mode = 'standard'] = process.argv.slice(2);
await initBackend(backend as 'tensorflow');
if (mode === 'fused') {
  // Experiment only: route tfjs-layers' training-mode batch norm through batchNormTraining.
  type BN = { gamma: tfl.LayerVariable; beta: tfl.LayerVariable; movingMean: tfl.LayerVariable; movingVariance: tfl.LayerVariable; momentum: number; epsilon: number };
  const proto = (tfl.layers.batchNormalization({}) as unknown as { constructor: { prototype: Record<string, unknown> } }).constructor.prototype;
  const original = proto['call'] as (this: unknown, i: unknown, k: unknown) => tf.Tensor;
  proto['call'] = function (this: BN, inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }) {
    if (!kwargs['training']) return original.call(this, inputs, kwargs);
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const { y, mean, variance } = batchNormTraining(x, this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon);
    tf.tidy(() => {
      this.movingMean.write(tf.add(tf.mul(this.movingMean.read(), this.momentum), tf.mul(mean, 1 - this.momentum)));
      this.movingVariance.write(tf.add(tf.mul(this.movingVariance.read(), this.momentum), tf.mul(variance, 1 - this.momentum)));
    });
    tf.dispose([mean, variance]);
    return y;
  };
}
const bb = createBackbone('xception', { widthMultiplier: 0.25, inputSize: 128 }, createRng(1));
const vars = bb.trainableWeights();
const rng = createRng(3);
const x = tf.tensor4d(new Float32Array(16 * 128 * 128 * 3).map(() => rng.normal()), [16, 128, 128, 3]);
const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32');
const opt = tf.train.adam(2e-4, 0.9, 0.999, 1e-8);
const walls: number[] = []; const cpus: number[] = []; const losses: number[] = [];
for (let r = 0; r < 7; r++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const cost = opt.minimize(() => floodLoss(classificationLoss(bb.apply(x, true).logits, labels), 0.04), true, vars);
  losses.push((await cost!.data())[0]!); cost!.dispose();
  const c = process.cpuUsage(c0);
  if (r > 0) { walls.push(performance.now() - t0); cpus.push((c.user + c.system) / 1000); }
}
if (process.argv[4] === 'profile') {
  const { profileKernels } = await import('../packages/backend/src/index.js');
  const p = await profileKernels(async () => { const cost = opt.minimize(() => floodLoss(classificationLoss(bb.apply(x, true).logits, labels), 0.04), true, vars); await cost!.data(); cost!.dispose(); });
  console.log('kernelMs', p.kernelMs.toFixed(0), 'wall', p.wallMs.toFixed(0), 'calls', p.calls);
  for (const k of p.kernels.slice(0, 22)) console.log(k.name.padEnd(36), String(k.calls).padStart(5), k.exclusiveMs.toFixed(1).padStart(8));
}
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
console.log(JSON.stringify({ backend, mode, medianWallMs: Math.round(med(walls)), minWallMs: Math.round(Math.min(...walls)), medianCpuMs: Math.round(med(cpus)), loss7: losses[6]!.toFixed(5), load: (await import('node:os')).loadavg()[0]!.toFixed(1) }));
process.exit(0);
