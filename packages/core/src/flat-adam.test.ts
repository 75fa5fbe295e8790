import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FlatAdamOptimizer } from './flat-adam.js';
import { createRng } from './rng.js';

const BLOCK = [[3, 3, 4, 8], [8], [5, 2], [1]];
const SHAPES = [...BLOCK, ...BLOCK, ...BLOCK];

function makeVars(prefix: string): tf.Variable[] {
  const r = createRng(9);
  return SHAPES.map((s, i) => tf.variable(tf.tensor(r.fill(new Float32Array(s.reduce((a, b) => a * b, 1)), -1, 1), s), true, `${prefix}${i}`));
}

function gradsFor(vars: tf.Variable[], step: number): Record<string, tf.Variable> {
  const r = createRng(100 + step);
  return Object.fromEntries(vars.map((v) => [v.name, tf.tensor(r.fill(new Float32Array(v.size), -2, 2), v.shape) as tf.Variable]));
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

describe('FlatAdamOptimizer', () => {
  it('updates the weights exactly as tf.train.adam, with far fewer kernel calls', async () => {
    const a = makeVars('adamRef');
    const b = makeVars('adamFlat');
    const ref = tf.train.adam(1e-2, 0.9, 0.999, 1e-8);
    const flat = new FlatAdamOptimizer(1e-2, 0.9, 0.999, 1e-8);
    let refCalls = 0;
    let flatCalls = 0;
    let flatReshapes = 0;
    for (let step = 0; step < 3; step++) {
      const ga = gradsFor(a, step);
      const gb = Object.fromEntries(b.map((v, i) => [v.name, ga[a[i]!.name]!]));
      refCalls = (await tf.profile(() => ref.applyGradients(ga))).kernels.length;
      const before = tf.memory().numTensors;
      const kernels = (await tf.profile(() => flat.applyGradients(gb))).kernels;
      flatCalls = kernels.length;
      flatReshapes = kernels.filter((k) => k.name === 'Reshape').length;
      if (step > 0) expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(ga));
    }
    expect(values(b)).toEqual(values(a));
    // 12 weights: tfjs runs 14 kernels per weight; the flat update a fixed ~20 plus 3 per weight that is not a vector.
    expect(flatCalls).toBeLessThan(refCalls / 2);
    // Reshapes only for the 6 weights that are not vectors: gradient in, weight in, update out.
    expect(flatReshapes).toBe(3 * SHAPES.filter((s) => s.length !== 1).length);
    ref.dispose();
    flat.dispose();
    tf.dispose([...a, ...b]);
  });

  it('saves and restores its moments in tfjs Adam format, so a resumed run continues identically', async () => {
    const straight = makeVars('straight');
    const resumed = makeVars('resumed');
    const opt1 = new FlatAdamOptimizer(1e-2, 0.9, 0.999, 1e-8);
    const opt2 = new FlatAdamOptimizer(1e-2, 0.9, 0.999, 1e-8);
    const step = (opt: tf.Optimizer, vars: tf.Variable[], k: number) => {
      const g = gradsFor(vars, k);
      opt.applyGradients(g);
      tf.dispose(Object.values(g));
    };
    step(opt1, straight, 0);
    step(opt2, resumed, 0);
    const saved = await opt2.getWeights();
    expect(saved.map((w) => w.name)).toEqual(['iter', ...resumed.map((v) => `${v.name}/m`), ...resumed.map((v) => `${v.name}/v`)]);
    expect(saved[1]!.tensor.shape).toEqual(SHAPES[0]);
    const copies = saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    tf.dispose(saved.map((w) => w.tensor));
    opt2.dispose();
    const opt3 = new FlatAdamOptimizer(1e-2, 0.9, 0.999, 1e-8);
    await opt3.setWeights(copies);
    tf.dispose(copies.map((c) => c.tensor));
    for (let k = 1; k < 3; k++) {
      step(opt1, straight, k);
      step(opt3, resumed, k);
    }
    expect(values(resumed)).toEqual(values(straight));
    opt1.dispose();
    opt3.dispose();
    tf.dispose([...straight, ...resumed]);
  });
});
