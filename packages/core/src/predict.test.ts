import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeProbability, logitGap } from './backbone.js';
import { registerGraphCompiler } from './graph-compiler.js';
import { MemoryEvalSource, createSyntheticImages } from './memory-data.js';
import { COMPILE_AFTER_RUNS } from './compiled-pass.js';
import { predict, scoreBatch } from './predict.js';
import { countingGraphCompiler } from './testing/counting-compiler.js';
import { createTestBackbone } from './testing/fixtures.js';

afterEach(() => registerGraphCompiler(tf.getBackend(), undefined));

describe('scoreBatch and predict', () => {
  it('score every image as the inference forward pass does, compiling the pass once it has repeated', async () => {
    const backbone = createTestBackbone(16, 4);
    const { pixels, labels } = createSyntheticImages(6, 16, 8);
    const images = tf.tensor4d(pixels.flatMap((p) => Array.from(p)), [6, 16, 16, 3]);
    const [expectedScores, expectedGaps] = tf.tidy(() => {
      const { logits } = backbone.apply(images, false);
      return [fakeProbability(logits, backbone.config.patchScore), logitGap(logits)];
    });
    const fake = countingGraphCompiler();
    registerGraphCompiler(tf.getBackend(), fake.compiler);
    const before = tf.memory().numTensors;
    for (let run = 0; run <= COMPILE_AFTER_RUNS + 1; run++) {
      const [scores, gaps] = scoreBatch(backbone, images);
      expect(Array.from(await scores.data())).toEqual(Array.from(await expectedScores.data()));
      expect(Array.from(await gaps.data())).toEqual(Array.from(await expectedGaps.data()));
      tf.dispose([scores, gaps]);
    }
    expect([fake.compiles, fake.runs]).toEqual([1, 1]);
    expect(tf.memory().numTensors).toBe(before);
    // predict batches a source in order (batches of 4 and 2 are shapes of their own).
    const predictions = await predict(backbone, new MemoryEvalSource(pixels, labels, 16), 4);
    expect(predictions.labels).toEqual(labels);
    expect(predictions.scores.map((s) => Math.fround(s))).toEqual(Array.from(await expectedScores.data()));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, expectedScores, expectedGaps]);
    backbone.dispose();
  });
});
