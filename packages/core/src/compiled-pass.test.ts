import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { describeCompiledPassFallback, onCompiledPassFallback, type CompiledPassFallback } from './compiled-pass-fallback.js';
import { runCompiledPass } from './compiled-pass.js';
import { registerGraphCompiler } from './graph-compiler.js';
import { countingGraphCompiler } from './testing/counting-compiler.js';

const double = (inputs: readonly tf.Tensor[]) => tf.mul(inputs[0]!, 2);

afterEach(() => registerGraphCompiler(tf.getBackend(), undefined));

describe('runCompiledPass', () => {
  it('runs eagerly where the backend has no compiler', async () => {
    const owner = {};
    const x = tf.tensor([1, 2]);
    const y = runCompiledPass(owner, 'double', double, [x]);
    expect(Array.from(await y.data())).toEqual([2, 4]);
    tf.dispose([x, y]);
  });

  it('compiles after compileAfter eager runs, once per owner, pass and input shapes, then runs the graph', async () => {
    const fake = countingGraphCompiler();
    registerGraphCompiler(tf.getBackend(), fake.compiler);
    const [a, b] = [{}, {}];
    const x = tf.tensor([1, 2]);
    const wide = tf.tensor([1, 2, 3]);
    const before = tf.memory().numTensors;
    const outputs = [0, 1, 2].map(() => runCompiledPass(a, 'double', double, [x], { compileAfter: 2 }));
    expect([fake.compiles, fake.runs]).toEqual([1, 0]);
    outputs.push(runCompiledPass(a, 'double', double, [x], { compileAfter: 2 }));
    expect([fake.compiles, fake.runs]).toEqual([1, 1]);
    // Another shape, pass or owner counts its own eager runs.
    outputs.push(runCompiledPass(a, 'double', double, [wide]), runCompiledPass(a, 'twice', double, [x]), runCompiledPass(b, 'double', double, [x]));
    expect([fake.compiles, fake.runs]).toEqual([4, 1]);
    expect(outputs.map((t) => Array.from(t.dataSync()))).toEqual([[2, 4], [2, 4], [2, 4], [2, 4], [2, 4, 6], [2, 4], [2, 4]]);
    expect(tf.memory().numTensors).toBe(before + outputs.length);
    tf.dispose([...outputs, x, wide]);
  });

  it('stays eager where compiling fails, and compiles anew after a graph fails to run, with no tensor left behind', async () => {
    const x = tf.tensor([1, 2]);
    const before = tf.memory().numTensors;
    const failing = countingGraphCompiler({ compile: true });
    registerGraphCompiler(tf.getBackend(), failing.compiler);
    const owner = {};
    const outputs = [runCompiledPass(owner, 'double', double, [x]), runCompiledPass(owner, 'double', double, [x])];
    expect(failing.compiles).toBe(1);
    const broken = countingGraphCompiler({ run: true });
    registerGraphCompiler(tf.getBackend(), broken.compiler);
    const other = {};
    outputs.push(...[0, 1, 2].map(() => runCompiledPass(other, 'double', double, [x])));
    // compiled; failed to run (so eager); compiled again
    expect([broken.compiles, broken.runs]).toEqual([2, 1]);
    expect(outputs.map((t) => Array.from(t.dataSync()))).toEqual(Array.from({ length: 5 }, () => [2, 4]));
    expect(tf.memory().numTensors).toBe(before + outputs.length);
    tf.dispose([...outputs, x]);
  });

  it('tells its listeners when a pass falls back to eager runs, and stops once they are removed', () => {
    const seen: CompiledPassFallback[] = [];
    const stop = onCompiledPassFallback((f) => seen.push(f));
    const x = tf.tensor([1, 2]);
    registerGraphCompiler(tf.getBackend(), countingGraphCompiler({ compile: true }).compiler);
    const outputs = [runCompiledPass({}, 'double', double, [x]), runCompiledPass({}, 'double', double, [x], { compileAfter: 1 })];
    registerGraphCompiler(tf.getBackend(), countingGraphCompiler({ run: true }).compiler);
    const owner = {};
    outputs.push(runCompiledPass(owner, 'double', double, [x]), runCompiledPass(owner, 'double', double, [x]));
    // The first two owners: one failed compile (the second had not reached its compile); the third: a failed run.
    expect(seen).toEqual([
      { pass: 'double', backend: tf.getBackend(), inputs: 'float32[2]', stage: 'compile', reason: 'cannot compile' },
      { pass: 'double', backend: tf.getBackend(), inputs: 'float32[2]', stage: 'run', reason: 'cannot run' },
    ]);
    expect(describeCompiledPassFallback(seen[0]!)).toBe(
      `the pass "double" on ${tf.getBackend()} runs eagerly for float32[2]: its graph could not be compiled (cannot compile); the results are the same, only slower`,
    );
    stop();
    registerGraphCompiler(tf.getBackend(), countingGraphCompiler({ compile: true }).compiler);
    outputs.push(runCompiledPass({}, 'double', double, [x]));
    expect(seen).toHaveLength(2);
    tf.dispose([...outputs, x]);
  });
});
