import * as tf from '@tensorflow/tfjs-core';
import { type Backbone, compiledForwardOutputs, createRng, graphCompilerFor, inferenceHandle, logitGap, registerGraphCompiler, COMPILE_AFTER_RUNS, scoreBatch, type GraphCompiler } from '@rfm/core';
import { maxRelativeError } from '@rfm/core/testing';
import { createBackbone } from '@rfm/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { GraphTraceError } from './graph-compiler.js';

let compiler: GraphCompiler | undefined;
let absent = '';

beforeAll(async () => {
  try {
    await initBackend('tensorflow');
    compiler = graphCompilerFor('tensorflow');
  } catch (e) {
    absent = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
});

/** The FAM pass of `handle`, as `forgeryAttentionMap` runs it. */
const famPass = (handle: ReturnType<typeof inferenceHandle>) => (inputs: readonly tf.Tensor[]) =>
  tf.tidy(() => tf.max(tf.abs(handle.inputGradient(inputs[0] as tf.Tensor4D, (o) => logitGap(o.logits))), 3));

/** Registers `real` for tensorflow wrapped so that its compiles and graph runs are counted. */
function countCompiles(real: GraphCompiler): { compiles: number; graphRuns: number } {
  const counts = { compiles: 0, graphRuns: 0 };
  registerGraphCompiler('tensorflow', (fn, inputs) => {
    counts.compiles++;
    const { graph, output } = real(fn, inputs);
    return { graph: { run: (next) => (counts.graphRuns++, graph.run(next)), dispose: () => graph.dispose() }, output };
  });
  return counts;
}

/**
 * Runs a pass of an Xception w0.25 (71 px) on one batch {@link COMPILE_AFTER_RUNS} + 3 times, with
 * `real` counted: the first (eager) run's outputs are the reference; the pass must compile once,
 * run its graph twice, give the reference's shapes and values within 1e-5 relative, and leave no
 * tensor behind.
 */
async function expectCompiledOnce(real: GraphCompiler, seed: number, batch: number, makePass: (backbone: Backbone) => (x: tf.Tensor4D) => tf.Tensor[]): Promise<void> {
  const counts = countCompiles(real);
  const backbone = createBackbone('xception', { widthMultiplier: 0.25, inputSize: 71 }, createRng(seed));
  const x = tf.randomUniform([batch, 71, 71, 3], -2, 2, 'float32', seed + 2) as tf.Tensor4D;
  const pass = makePass(backbone);
  try {
    const first = pass(x);
    const expected = await Promise.all(first.map(async (t) => ({ shape: t.shape, values: await t.data() })));
    tf.dispose(first);
    const before = tf.memory().numTensors;
    for (let run = 1; run <= COMPILE_AFTER_RUNS + 2; run++) {
      const outputs = pass(x);
      expect(outputs.map((t) => t.shape)).toEqual(expected.map((e) => e.shape));
      for (const [i, t] of outputs.entries()) expect(maxRelativeError(await t.data(), expected[i]!.values)).toBeLessThan(1e-5);
      tf.dispose(outputs);
    }
    expect([counts.compiles, counts.graphRuns]).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    registerGraphCompiler('tensorflow', real);
    x.dispose();
    backbone.dispose();
  }
}

describe('the tensorflow graph compiler', () => {
  it('replays a FAM pass as one graph: the eager values, the current weights, no tensor left behind', async (ctx) => {
    if (!compiler) return ctx.skip(`SKIPPED: the tensorflow backend is absent (${absent})`);
    const backbone = createBackbone('xception', { widthMultiplier: 0.25, inputSize: 71 }, createRng(3));
    const handle = inferenceHandle(backbone);
    const x = tf.randomUniform([2, 71, 71, 3], -2, 2, 'float32', 5) as tf.Tensor4D;
    const pass = famPass(handle);
    // The first pass settles the kernels' one-time choices, which may move the last digits.
    pass([x]).dispose();
    const { graph, output } = compiler(pass, [x]);
    try {
      const eager = pass([x]);
      expect(Array.from(await output.data())).toEqual(Array.from(await eager.data()));
      const before = tf.memory().numTensors;
      const replay = graph.run([x]);
      // TensorFlow's graph optimiser may pick other kernels than eager ops: float32 rounding apart (1e-11 on values of 1e-5 here).
      expect(maxRelativeError(await replay.data(), await eager.data())).toBeLessThan(1e-5);
      // New weights reach the graph: it reads the variables at every run.
      const kernel = backbone.trainableWeights()[0]!;
      tf.tidy(() => kernel.assign(tf.mul(kernel, 1.5)));
      const eagerAfter = pass([x]);
      const replayAfter = graph.run([x]);
      expect(maxRelativeError(await replayAfter.data(), await eagerAfter.data())).toBeLessThan(1e-5);
      expect(maxRelativeError(await replayAfter.data(), await replay.data())).toBeGreaterThan(1e-3);
      tf.dispose([replay, eagerAfter, replayAfter]);
      expect(tf.memory().numTensors).toBe(before);
      eager.dispose();
    } finally {
      tf.dispose([output, x]);
      graph.dispose();
      backbone.dispose();
    }
  });

  it('runs a scoring forward pass (scoreBatch) as one graph once it has repeated, with the eager scores', async (ctx) => {
    if (!compiler) return ctx.skip(`SKIPPED: the tensorflow backend is absent (${absent})`);
    await expectCompiledOnce(compiler, 4, 3, (backbone) => (x) => scoreBatch(backbone, x));
  });

  it('runs both outputs of a forward pass (compiledForwardOutputs, as Grad-CAM does) as one graph, split back to their shapes', async (ctx) => {
    if (!compiler) return ctx.skip(`SKIPPED: the tensorflow backend is absent (${absent})`);
    await expectCompiledOnce(compiler, 6, 2, (backbone) => {
      const handle = inferenceHandle(backbone);
      return (x) => Object.values(compiledForwardOutputs(handle, (images) => handle.forward(images), x));
    });
  });

  it('refuses inputs of another shape, and a function that reads values back or reads a tensor it was not given', async (ctx) => {
    if (!compiler) return ctx.skip(`SKIPPED: the tensorflow backend is absent (${absent})`);
    const x = tf.ones([2, 3]);
    const kept = tf.tensor([1, 2, 3]);
    const { graph, output } = compiler((inputs) => tf.mul(inputs[0]!, 2), [x]);
    try {
      const wrong = tf.ones([3, 3]);
      expect(() => graph.run([wrong])).toThrow(/compiled for inputs of shapes \[2,3\], given \[3,3\]/);
      wrong.dispose();
      expect(() => compiler!((inputs) => tf.add(inputs[0]!, kept), [x])).toThrow(GraphTraceError);
      expect(() => compiler!((inputs) => tf.mul(inputs[0]!, tf.sum(inputs[0]!).dataSync()[0]!), [x])).toThrow(/read values back to the CPU/);
      expect(() => compiler!((inputs) => inputs[0]!, [x])).toThrow(/output is not computed by the function/);
    } finally {
      tf.dispose([x, kept, output]);
      graph.dispose();
    }
  });
});
