/**
 * `pnpm bench inference [--models small,xception,xception-s224,xception-w<W>-s<S>] [--batches 16,1]
 * [--reps N] [--backends tensorflow,wasm] [--tf-threads N] [--wasm-threads N]`
 *
 * What compiling an inference pass into one graph buys, per model and batch size: the median time
 * of each pass run eagerly and as the compiled graph, interleaved repetition by repetition, and what
 * compiling cost (the trace and load, then the graph's first run, which TensorFlow optimises). The
 * passes are the ones rfm.js compiles: `score` (the forward pass to the logits, as `rfm eval`,
 * `rfm predict` and the trainer's validation run it), `cam` (the forward pass to the feature map,
 * as Adversarial Erasing's CAM runs it) and `fam` (the FAM pass of SFE and PSFE). One JSON line per
 * case on stdout, with `compiledOverEager`; on a backend without a graph compiler (wasm, cpu) the
 * compiled fields are null and `compiler` says so. Defaults: `small` and Xception w0.25 at 128 px,
 * batches of 16 and 1, 10 repetitions, tensorflow.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { countValue, emit, flagValue, median, modelSuiteArgs, startBenchBackend, threadsField, type ModelSuiteArgs } from '../lib.js';
import type { ModelCase } from '../models.js';
import { forgeryAttentionMap } from '../../packages/attention/src/index.js';
import { createRng, graphCompilerFor, inferenceHandle, type Backbone } from '../../packages/core/src/index.js';

interface Args extends ModelSuiteArgs {
  readonly batches: number[];
}

function parseArgs(argv: string[]): Args {
  return { ...modelSuiteArgs(argv, { reps: 10, backends: 'tensorflow' }), batches: (flagValue(argv, '--batches') ?? '16,1').split(',').map((b) => countValue('--batches', b)) };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The passes rfm.js compiles, as eager functions of the images. */
function passes(backbone: Backbone): Record<string, (inputs: readonly tf.Tensor[]) => tf.Tensor> {
  const handle = inferenceHandle(backbone);
  return {
    score: (inputs) => tf.tidy(() => backbone.apply(inputs[0] as tf.Tensor4D, false).logits),
    cam: (inputs) => tf.tidy(() => handle.forward(inputs[0] as tf.Tensor4D).featureMap),
    fam: (inputs) => forgeryAttentionMap(handle, inputs[0] as tf.Tensor4D, { compile: false }),
  };
}

/** Runs a pass and waits for its values, as a caller reading them does; returns milliseconds. */
async function timed(run: () => tf.Tensor): Promise<number> {
  const t = performance.now();
  const out = run();
  await out.data();
  out.dispose();
  return performance.now() - t;
}

async function benchCase(model: ModelCase, batch: number, a: Args, backend: string): Promise<void> {
  const backbone = model.build();
  const images = tf.tensor4d(createRng(11).fill(new Float32Array(batch * model.inputSize ** 2 * 3), -2, 2), [batch, model.inputSize, model.inputSize, 3]);
  const compiler = graphCompilerFor();
  for (const [name, pass] of Object.entries(passes(backbone))) {
    // Warm-up: kernels make their one-time choices on first use, in both routes.
    for (let i = 0; i < 2; i++) await timed(() => pass([images]));
    const line = { bench: 'inference-pass', model: model.key, inputSize: model.inputSize, batch, backend, pass: name, ...threadsField(backend, a.tensorflowThreads, a.wasmThreads) };
    if (!compiler) {
      const eager: number[] = [];
      for (let r = 0; r < a.reps; r++) eager.push(await timed(() => pass([images])));
      emit({ ...line, eagerMs: round(median(eager)), compiledMs: null, compileMs: null, firstRunMs: null, compiledOverEager: null, compiler: `none on ${backend}` });
      continue;
    }
    const t0 = performance.now();
    const { graph, output } = compiler(pass, [images]);
    const compileMs = performance.now() - t0;
    output.dispose();
    const firstRunMs = await timed(() => graph.run([images]));
    await timed(() => graph.run([images]));
    const [eager, compiled]: number[][] = [[], []];
    for (let r = 0; r < a.reps; r++) {
      // Alternate which route goes first, so that neither keeps one place in the sequence.
      if (r % 2 === 0) eager.push(await timed(() => pass([images])));
      compiled.push(await timed(() => graph.run([images])));
      if (r % 2 === 1) eager.push(await timed(() => pass([images])));
    }
    graph.dispose();
    emit({
      ...line,
      eagerMs: round(median(eager)),
      compiledMs: round(median(compiled)),
      compileMs: round(compileMs),
      firstRunMs: round(firstRunMs),
      compiledOverEager: round(median(compiled) / median(eager), 3),
      reps: a.reps,
    });
  }
  images.dispose();
  backbone.dispose();
}

/** Runs the suite; see the file comment for the arguments. Backends that cannot load print one line saying why. */
export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  for (const requested of a.backends) {
    const backend = await startBenchBackend(requested, { tensorflowThreads: a.tensorflowThreads, threads: a.wasmThreads });
    if (backend === undefined) continue;
    for (const model of a.models) for (const batch of a.batches) await benchCase(model, batch, a, backend);
  }
}
