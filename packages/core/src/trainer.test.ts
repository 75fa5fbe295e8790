import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Augmentation, AugmentContext } from './augmentation.js';
import { eraseRect, eraseWithMask } from './erasing.js';
import { loadBackbone } from './model-io.js';
import { registerAugmentation } from './register-augmentation.js';
import { createRng } from './rng.js';
import { createRunContainer } from './run-container.js';
import { FileRunLog, MemoryRunLog } from './run-log.js';
import { createSmallBackbone } from './small-backbone.js';
import { createSyntheticImages, MemoryBatchSource, MemoryEvalSource } from './testing/memory-data.js';
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

function makeRun(runDir?: string, withPlugin = true) {
  const backbone = createSmallBackbone({ inputSize: SIZE, width: 4 }, createRng(3));
  const c = createRunContainer({
    backbone,
    batches: new MemoryBatchSource(data.pixels, data.labels, SIZE, 8, 4),
    validation: new MemoryEvalSource(val.pixels, val.labels, SIZE),
    rng: createRng(5),
    options: { iterations: 6, evalEvery: 3, checkpointEvery: 2, learningRate: 1e-3 },
    runLog: runDir ? new FileRunLog(join(runDir, 'run.jsonl')) : new MemoryRunLog(),
    runDir,
  });
  const plugin = new SquareErasing();
  if (withPlugin) registerAugmentation(c, plugin);
  return { backbone, trainer: c.resolve(Trainer), plugin };
}

const weightsOf = (b: { model: { weights: { read(): tf.Tensor }[] } }) => b.model.weights.map((w) => Array.from(w.read().dataSync()));

describe('Trainer', () => {
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

  it('saves the best model in tfjs format that loads back with identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfm-save-'));
    dirs.push(dir);
    const { backbone, trainer } = makeRun(dir);
    const result = await trainer.run();
    const loaded = await loadBackbone(join(dir, 'model'));
    expect(loaded.config).toEqual(backbone.config);
    // The saved model is the best one on validation; when that is the last step it equals the live weights.
    if (result.best?.step === 6) expect(weightsOf(loaded)).toEqual(weightsOf(backbone));
    const x = tf.tensor4d(val.pixels[0]!, [1, SIZE, SIZE, 3]);
    const y = loaded.apply(x, false).logits;
    expect(y.shape).toEqual([1, 2]);
    tf.dispose([x, y]);
    loaded.dispose();
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
