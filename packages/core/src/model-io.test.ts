import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import type { LayersBackbone } from './layers-backbone.js';
import { loadBackbone, saveBackbone } from './model-io.js';
import { createRng } from './rng.js';
import { createSmallBackbone } from './small-backbone.js';
import { createAdam } from './train-step.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-model-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const small = () => createSmallBackbone({ inputSize: 16, width: 2 }, createRng(1)) as LayersBackbone;
const STATE = { step: 3, rng: [1, 2, 3, 4], batches: null, best: null, options: {}, backbone: {} } as never;

/** Saves a model to a fresh folder, lets `damage` spoil it, and returns the one-line error of loading it. */
async function modelError(name: string, damage: (model: string) => void): Promise<string> {
  const b = small();
  const model = join(dir, name, 'model');
  await saveBackbone(b, model);
  b.dispose();
  damage(model);
  const before = tf.memory().numTensors;
  const e = await loadBackbone(model).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CheckpointError);
  expect(tf.memory().numTensors).toBe(before);
  const message = (e as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

async function checkpointError(name: string, damage: (ckpt: string) => void): Promise<string> {
  const b = small();
  const opt = createAdam({ learningRate: 1e-3 } as never);
  const x = tf.randomNormal([2, 16, 16, 3]) as tf.Tensor4D;
  // one step so that the optimizer has moments to save
  opt.minimize(() => tf.mean(b.apply(x, true).logits) as tf.Scalar);
  x.dispose();
  const ckpt = join(dir, name, 'checkpoint');
  await saveCheckpoint(ckpt, b, opt, STATE);
  damage(ckpt);
  const fresh = small();
  const opt2 = createAdam({ learningRate: 1e-3 } as never);
  const e = await loadCheckpoint(ckpt, fresh, opt2).then(
    () => undefined,
    (err: unknown) => err,
  );
  b.dispose();
  fresh.dispose();
  opt.dispose();
  opt2.dispose();
  expect(e).toBeInstanceOf(CheckpointError);
  const message = (e as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

describe('damaged model folders give one line naming the file', () => {
  it('truncated weights.bin', async () => {
    const m = await modelError('trunc', (model) => truncateSync(join(model, 'weights.bin'), 100));
    expect(m).toMatch(new RegExp(`^${join(dir, 'trunc', 'model', 'weights.bin')} is damaged: it holds 100 bytes, .*model.json describes \\d+ \\(truncated\\)`));
  });

  it('model.json that is not JSON', async () => {
    const m = await modelError('json', (model) => writeFileSync(join(model, 'model.json'), '{"format": "layers-mo'));
    expect(m).toMatch(new RegExp(`^${join(dir, 'json', 'model', 'model.json')} is damaged: not valid JSON`));
  });

  it('a weights manifest that points outside the model folder is refused before anything is read', async () => {
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(16));
    for (const p of ['../../secret.bin', '/etc/passwd', 'sub/../../x.bin']) {
      const m = await modelError(`escape${p.length}`, (model) => {
        const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
        json.weightsManifest[0].paths = [p];
        writeFileSync(join(model, 'model.json'), JSON.stringify(json));
      });
      expect(m).toMatch(/model\.json names weight file .* outside the model folder .*; refusing to read it/);
    }
  });

  it('wrong weight shapes in the manifest', async () => {
    const m = await modelError('shape', (model) => {
      const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
      json.weightsManifest[0].weights[0].shape = [999];
      writeFileSync(join(model, 'model.json'), JSON.stringify(json));
    });
    expect(m).toMatch(/weights\.bin is damaged: it holds \d+ bytes, .*model\.json describes \d+/);
  });
});

describe('checkpoints', () => {
  it("are written tensor by tensor in tf.io.encodeWeights' layout, restore weights and Adam's moments exactly, and leave no tensor behind", async () => {
    const b = small();
    const opt = createAdam({ learningRate: 1e-3 } as never);
    const x = tf.randomNormal([2, 16, 16, 3]) as tf.Tensor4D;
    opt.minimize(() => tf.mean(b.apply(x, true).logits) as tf.Scalar);
    x.dispose();
    const ckpt = join(dir, 'layout', 'checkpoint');
    const before = tf.memory().numTensors;
    await saveCheckpoint(ckpt, b, opt, STATE);
    expect(tf.memory().numTensors).toBe(before);
    const named = await opt.getWeights();
    for (const [file, tensors] of [
      ['weights', b.model.weights.map((w, i) => ({ name: `w${i}`, tensor: w.read() }))],
      ['optimizer', named],
    ] as const) {
      const { data, specs } = await tf.io.encodeWeights(tensors);
      expect(JSON.parse(readFileSync(join(ckpt, `${file}.json`), 'utf8')), file).toEqual(JSON.parse(JSON.stringify(specs)));
      expect(Buffer.compare(readFileSync(join(ckpt, `${file}.bin`)), Buffer.from(data as ArrayBuffer)), file).toBe(0);
    }
    tf.dispose(named.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
    const fresh = small();
    const opt2 = createAdam({ learningRate: 1e-3 } as never);
    await loadCheckpoint(ckpt, fresh, opt2);
    const values = (ws: { tensor: tf.Tensor }[]) => ws.map((w) => Array.from(w.tensor.dataSync()));
    expect(values(fresh.model.weights.map((w) => ({ tensor: w.read() })))).toEqual(values(b.model.weights.map((w) => ({ tensor: w.read() }))));
    const [m1, m2] = [await opt.getWeights(), await opt2.getWeights()];
    expect(values(m2)).toEqual(values(m1));
    tf.dispose([...m1, ...m2].filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
    for (const d of [b, fresh, opt, opt2]) d.dispose();
  });
});

describe('damaged checkpoints give one line naming the file', () => {
  it('truncated weights.bin', async () => {
    const m = await checkpointError('ck-trunc', (c) => truncateSync(join(c, 'weights.bin'), 10));
    expect(m).toMatch(new RegExp(`^${join(dir, 'ck-trunc', 'checkpoint', 'weights.bin')} is damaged: it holds 10 bytes`));
  });

  it('state.json and optimizer.json that are not JSON, optimizer.bin truncated', async () => {
    expect(await checkpointError('ck-state', (c) => writeFileSync(join(c, 'state.json'), '{'))).toMatch(/checkpoint\/state\.json is damaged: not valid JSON/);
    expect(await checkpointError('ck-opt', (c) => writeFileSync(join(c, 'optimizer.json'), 'nope'))).toMatch(/checkpoint\/optimizer\.json is damaged: not valid JSON/);
    expect(await checkpointError('ck-optbin', (c) => truncateSync(join(c, 'optimizer.bin'), 4))).toMatch(/checkpoint\/optimizer\.bin is damaged: it holds 4 bytes/);
  });

  it('a checkpoint whose weights have other shapes', async () => {
    const m = await checkpointError('ck-shape', (c) => {
      const specs = JSON.parse(readFileSync(join(c, 'weights.json'), 'utf8')) as { shape: number[] }[];
      // same byte count, other shape: the size check passes, the backbone refuses it
      specs[0]!.shape = [specs[0]!.shape.reduce((x, y) => x * y, 1)];
      writeFileSync(join(c, 'weights.json'), JSON.stringify(specs));
    });
    expect(m).toMatch(/checkpoint\/weights\.bin does not fit the backbone/);
  });
});
