import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { DependencyContainer } from 'tsyringe';
import { afterAll, describe, expect, it } from 'vitest';
import type { Augmentation, AugmentContext } from './augmentation.js';
import { eraseRect, eraseWithMask } from './erasing.js';
import { AugmentationFailedError, TrainingDivergedError } from './errors.js';
import { loadBackbone } from './model-io.js';
import { registerAugmentation } from './register-augmentation.js';
import { createRng } from './rng.js';
import { createRunContainer } from './run-container.js';
import { FileRunLog, MemoryRunLog } from './run-log.js';
import { createSmallBackbone } from './small-backbone.js';
import { createSyntheticImages, MemoryBatchSource, MemoryEvalSource } from './memory-data.js';
import { Trainer } from './trainer.js';

const SIZE = 16;
const data = createSyntheticImages(24, SIZE, 1);
const val = createSyntheticImages(12, SIZE, 2);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Erases a random 4x4 square per image: exercises the plugin path and the run RNG. */
class SquareErasing implements Augmentation {
  readonly name = 'square';
  calls = 0;
  apply(ctx: AugmentContext) {
    this.calls++;
    const [b, h, w] = ctx.images.shape;
    const keep = new Float32Array(b * h * w).fill(1);
    const perImage = Array.from({ length: b }, (_, i) => {
      const top = ctx.rng.int(0, h - 4);
      const left = ctx.rng.int(0, w - 4);
      eraseRect(keep, i, h, w, { top, bottom: top + 4, left, right: left + 4 });
      return { erased: true, top, left };
    });
    return { ...eraseWithMask(ctx.images, keep, 'uniform', ctx.rng, ctx.normalization), params: { method: this.name, perImage } };
  }
}

function makeRun(runDir?: string, withPlugin = true, register?: (c: DependencyContainer) => void, iterations = 6) {
  const backbone = createSmallBackbone({ inputSize: SIZE, width: 4 }, createRng(3));
  const c = createRunContainer({
    backbone,
    batches: new MemoryBatchSource(data.pixels, data.labels, SIZE, 8, 4),
    validation: new MemoryEvalSource(val.pixels, val.labels, SIZE),
    rng: createRng(5),
    options: { iterations, evalEvery: 3, checkpointEvery: 2, learningRate: 1e-3 },
    runLog: runDir ? new FileRunLog(join(runDir, 'run.jsonl')) : new MemoryRunLog(),
    runDir,
  });
  const plugin = new SquareErasing();
  if (withPlugin) registerAugmentation(c, plugin);
  register?.(c);
  return { backbone, trainer: c.resolve(Trainer), plugin };
}

const weightsOf = (b: { model: { weights: { read(): tf.Tensor }[] } }) => b.model.weights.map((w) => Array.from(w.read().dataSync()));

describe('Trainer', () => {
  it('is built from explicit @inject tokens alone: no decorator metadata is emitted', () => {
    // emitDecoratorMetadata is off (tsconfig.base.json, vitest.config.ts), as for users whose bundler
    // drops the metadata: a constructor parameter without @inject would fail to resolve here.
    expect(Reflect.getMetadata('design:paramtypes', Trainer)).toBeUndefined();
    const { backbone, trainer } = makeRun(undefined, false);
    expect(trainer).toBeInstanceOf(Trainer);
    backbone.dispose();
  });

  it('runs the injected plugins every iteration and evaluates on schedule without leaking', async () => {
    const { backbone, trainer, plugin } = makeRun();
    expect(trainer.augmentations).toEqual(['square']);
    const before = tf.memory().numTensors;
    const result = await trainer.run();
    expect(tf.memory().numTensors).toBe(before);
    expect(plugin.calls).toBe(6);
    expect(result.steps).toBe(6);
    expect(result.evaluations.map((e) => e.step)).toEqual([3, 6]);
    expect(result.best?.metric).toBe('auc');
    backbone.dispose();
  });

  it('an empty plugin list is the plain baseline', async () => {
    const { backbone, trainer } = makeRun(undefined, false);
    expect(trainer.augmentations).toEqual([]);
    expect((await trainer.run()).steps).toBe(6);
    backbone.dispose();
  });

  it('an interrupted and resumed run ends with the same weights as an uninterrupted one', async () => {
    const straightDir = mkdtempSync(join(tmpdir(), 'rfm-straight-'));
    const resumedDir = mkdtempSync(join(tmpdir(), 'rfm-resumed-'));
    dirs.push(straightDir, resumedDir);
    const straight = makeRun(straightDir);
    await straight.trainer.run();

    const first = makeRun(resumedDir);
    const partial = await first.trainer.run({ stopAfter: 3 });
    expect(partial.interrupted).toBe(true);
    first.backbone.dispose();
    const second = makeRun(resumedDir); // fresh process state: new weights, new RNG, new data stream
    const rest = await second.trainer.run({ resume: true });
    expect(rest.steps).toBe(6);
    expect(weightsOf(second.backbone)).toEqual(weightsOf(straight.backbone));

    const log = readFileSync(join(resumedDir, 'run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((r) => r.type)).toContain('resume');
    expect(existsSync(join(resumedDir, 'model', 'model.json'))).toBe(true);
    straight.backbone.dispose();
    second.backbone.dispose();
  });

  it('saves the best model in tfjs format: the weights of the best evaluation, loading back with identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfm-save-'));
    dirs.push(dir);
    const { backbone, trainer } = makeRun(dir);
    // The weights at each evaluation (onEvaluation runs before the best model is saved), so the
    // saved model is compared with the weights of the best step, whichever step that is.
    const atEvaluation = new Map<number, number[][]>();
    const result = await trainer.run({ onEvaluation: (e) => atEvaluation.set(e.step, weightsOf(backbone)) });
    expect([...atEvaluation.keys()]).toEqual([3, 6]);
    expect(atEvaluation.get(3)).not.toEqual(atEvaluation.get(6)); // training moved the weights: the check below can fail
    const loaded = await loadBackbone(join(dir, 'model'));
    expect(loaded.config).toEqual(backbone.config);
    expect(weightsOf(loaded)).toEqual(atEvaluation.get(result.best!.step));
    const x = tf.tensor4d(val.pixels[0]!, [1, SIZE, SIZE, 3]);
    const [y, want] = [loaded.apply(x, false).logits, backbone.apply(x, false).logits];
    expect(y.shape).toEqual([1, 2]);
    if (result.best!.step === 6) expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, y, want]);
    loaded.dispose();
    backbone.dispose();
  });

  it("runs 'pre' plugins first and 'post' plugins last, registration order within each group", async () => {
    const calls: string[] = [];
    const recorder = (name: string, order?: 'pre' | 'post'): Augmentation => ({
      name,
      ...(order ? { order } : {}),
      apply: (ctx) => {
        calls.push(name);
        return { images: ctx.images.clone(), params: { method: name, perImage: [] } };
      },
    });
    const { backbone, trainer } = makeRun(undefined, false, (c) => {
      for (const p of [recorder('late', 'post'), recorder('plain-1'), recorder('early', 'pre'), recorder('plain-2'), recorder('early-2', 'pre')]) registerAugmentation(c, p);
    }, 1);
    const order = ['early', 'early-2', 'plain-1', 'plain-2', 'late'];
    expect(trainer.augmentations).toEqual(order);
    await trainer.run();
    expect(calls).toEqual(order);
    backbone.dispose();
  });

  it("wraps a plugin's error in AugmentationFailedError naming the plugin, keeping the cause, leaking nothing", async () => {
    const cause = new Error('boom');
    const failing: Augmentation = {
      name: 'failing',
      apply: () => {
        throw cause;
      },
    };
    const { backbone, trainer } = makeRun(undefined, false, (c) => registerAugmentation(c, failing), 1);
    const before = tf.memory().numTensors;
    const error = await trainer.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AugmentationFailedError);
    expect(error).toMatchObject({ code: 'RFM_AUGMENTATION_FAILED', plugin: 'failing', cause });
    expect((error as Error).message).toBe('Augmentation "failing" failed: boom');
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });

  it('stops with TrainingDivergedError (code RFM_TRAINING_DIVERGED) when the loss is not finite', async () => {
    const poison: Augmentation = {
      name: 'nan',
      apply: (ctx) => ({ images: tf.mul(ctx.images, Number.NaN) as tf.Tensor4D, params: { method: 'nan', perImage: [] } }),
    };
    const { backbone, trainer } = makeRun(undefined, false, (c) => registerAugmentation(c, poison), 1);
    const error = await trainer.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(error).toMatchObject({ code: 'RFM_TRAINING_DIVERGED', step: 1 });
    expect(Number.isNaN((error as TrainingDivergedError).loss)).toBe(true);
    expect((error as Error).message).toMatch(/^Training diverged at iteration 1: loss is NaN\./);
    backbone.dispose();
  });
});

describe('Trainer and the event loop', () => {
  it('yields between iterations, so an abort from a timer (a signal handler) stops the run with a checkpoint', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'rfm-yield-'));
    dirs.push(runDir);
    const { backbone, trainer } = makeRun(runDir, false);
    const abort = new AbortController();
    // A macrotask, like a signal handler: it can only run if the loop yields to the event loop.
    setTimeout(() => abort.abort(), 0);
    const result = await trainer.run({ signal: abort.signal });
    expect(result.interrupted).toBe(true);
    expect(result.steps).toBeLessThan(6);
    const state = JSON.parse(readFileSync(join(runDir, 'checkpoint', 'state.json'), 'utf8')) as { step: number };
    expect(state.step).toBe(result.steps);
    backbone.dispose();
  });

  it('keeps the validation metrics of the best step in the checkpoint, so a resumed run still reports them', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'rfm-bestmetrics-'));
    dirs.push(runDir);
    const first = makeRun(runDir, false);
    const partial = await first.trainer.run({ stopAfter: 4 });
    expect(partial.bestMetrics).toEqual(expect.objectContaining({ auc: expect.any(Number) }));
    first.backbone.dispose();
    const second = makeRun(runDir, false);
    const rest = await second.trainer.run({ resume: true });
    expect(rest.best).not.toBeNull();
    expect(rest.bestMetrics).toEqual(expect.objectContaining({ auc: expect.any(Number) }));
    if (rest.best!.step <= 4) expect(rest.bestMetrics).toEqual(partial.bestMetrics);
    second.backbone.dispose();
  });
});
