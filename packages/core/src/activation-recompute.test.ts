import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropRebuildable, recomputeMinBytes } from './activation-recompute.js';
import { classificationLoss } from './backbone.js';
import { releaseDuringBackward } from './backward-release.js';
import { BATCH_NORM_REBUILD_KERNEL } from './ops/batch-norm-rebuild.js';
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL, batchNormTraining } from './ops/batch-norm-training.js';
import { createRng } from './rng.js';
import { createCpuBatchNormTestKernels } from './testing/cpu-batch-norm-kernels.js';
import { createTestBackbone, createTestBatch } from './testing/fixtures.js';

describe('dropRebuildable (a LayersBackbone training step drops batch-norm outputs and their ReLUs)', () => {
  let threshold = 0;
  beforeAll(() => {
    const kernels = createCpuBatchNormTestKernels();
    tf.registerKernel(kernels.forward);
    tf.registerKernel(kernels.backward);
    threshold = recomputeMinBytes(0);
  });
  afterAll(() => {
    recomputeMinBytes(threshold);
    for (const name of [BATCH_NORM_TRAINING_KERNEL, BATCH_NORM_TRAINING_GRAD_KERNEL]) tf.unregisterKernel(name, 'cpu');
  });

  /** One gradient of the loss; the engine's tensor bytes when the forward pass ends. */
  function gradients(minBytes: number, release: boolean) {
    const backbone = createTestBackbone(32);
    const { images, labels } = createTestBatch({ batchSize: 4, size: 32 });
    const previous = recomputeMinBytes(minBytes);
    const before = tf.memory().numTensors;
    let bytesAfterForward = 0;
    const { value, grads } = tf.variableGrads(() => {
      const loss = classificationLoss(backbone.apply(images, true).logits, labels);
      bytesAfterForward = tf.memory().numBytes;
      return release ? releaseDuringBackward(loss) : loss;
    }, backbone.trainableWeights());
    const out = { loss: value.dataSync()[0]!, grads: Object.values(grads).map((g) => Array.from(g.dataSync())), bytesAfterForward };
    tf.dispose([value, ...Object.values(grads)]);
    const leaked = tf.memory().numTensors - before;
    recomputeMinBytes(previous);
    tf.dispose([images, labels]);
    backbone.dispose();
    return { ...out, leaked };
  }

  for (const release of [true, false]) {
    it(`gives the same loss and gradients with fewer bytes held after the forward pass, and leaks nothing (${release ? 'with' : 'without'} releaseDuringBackward)`, () => {
      const kept = gradients(Infinity, release);
      const rebuilt = gradients(0, release);
      expect(rebuilt.loss).toBe(kept.loss);
      expect(rebuilt.grads).toEqual(kept.grads);
      expect(rebuilt.bytesAfterForward).toBeLessThan(kept.bytesAfterForward);
      expect([kept.leaked, rebuilt.leaked]).toEqual([0, 0]);
    });
  }

  it("rebuilds a batch norm's output dropped by hand, and never drops a batch norm's saved input", () => {
    const rng = createRng(5);
    const values = (n: number): number[] => Array.from({ length: n }, () => rng.normal());
    const x = tf.tensor4d(values(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    const [g1, b1, g2, b2] = [values(3), values(3), values(3), values(3)].map((v) => tf.tensor1d(v));
    const weights = tf.tensor4d(values(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    const dropped: boolean[] = [];
    const f = (drop: boolean) => (input: tf.Tensor) => {
      const first = batchNormTraining(input as tf.Tensor4D, g1!, b1!, 1e-3);
      const r = tf.relu(first.y);
      if (drop) {
        first.y.dispose();
        dropped.push(dropRebuildable(first.y));
      }
      const second = batchNormTraining(r as tf.Tensor4D, g2!, b2!, 1e-3);
      if (drop) {
        r.dispose();
        dropped.push(dropRebuildable(r));
      }
      return tf.sum(tf.mul(second.y, weights));
    };
    const before = tf.memory().numTensors;
    const kept = tf.grad(f(false))(x);
    const rebuilt = tf.grad(f(true))(x);
    // The first output is held only by the ReLU's saved copy (cpu's ReLU keeps its input); the
    // ReLU's output is the second batch norm's saved input.
    expect(dropped).toEqual([true, false]);
    expect(Array.from(rebuilt.dataSync())).toEqual(Array.from(kept.dataSync()));
    tf.dispose([kept, rebuilt]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g1!, b1!, g2!, b2!, weights]);
  });

  it("rebuilds through the backend's one-pass rebuild kernel where it has one, ReLUs included, with the same gradients", () => {
    const kept = gradients(Infinity, true);
    const calls: boolean[] = [];
    const { rebuild } = createCpuBatchNormTestKernels(undefined, (relu) => calls.push(relu));
    tf.registerKernel(rebuild);
    try {
      const rebuilt = gradients(0, true);
      expect(rebuilt.grads).toEqual(kept.grads);
      expect(rebuilt.leaked).toBe(0);
    } finally {
      tf.unregisterKernel(BATCH_NORM_REBUILD_KERNEL, 'cpu');
    }
    // Batch-norm outputs and ReLUs of them were both rebuilt by the kernel.
    expect(calls).toContain(true);
    expect(calls).toContain(false);
  });

  it('keeps tensors below the threshold, and does nothing outside a gradient', () => {
    const small = gradients(Infinity, true);
    const large = gradients(2 ** 20, true);
    expect(large.bytesAfterForward).toBe(small.bytesAfterForward);
    const x = tf.ones([2, 2]);
    x.dispose();
    expect(dropRebuildable(x)).toBe(false);
  });
});
