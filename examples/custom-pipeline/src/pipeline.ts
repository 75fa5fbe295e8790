/**
 * A custom augmentation pipeline: Random Erasing, then the user's band erasing, then SFE, registered
 * on one run's container in that order. The trainer runs them in registration order on every
 * batch; here they are also applied once, by hand, to one batch, to show what each one did.
 */
import { registerRandomErasing } from '@rfm/augment-re';
import { registerSfe } from '@rfm/augment-sfe';
import * as tf from '@tensorflow/tfjs-core';
import {
  AUGMENTATION, createAugmentContext, createRng, createRunContainer, createSmallBackbone, inferenceHandle, orderAugmentations,
  registerAugmentation, Trainer, type Augmentation,
} from '@rfm/core';
import { createBalancedSource, createEvalSource, loadDataset, splitDataset } from '@rfm/data';
import { BandErasing } from './band-erasing.js';

/** What one plugin did to the batch. */
export interface PluginEffect {
  readonly plugin: string;
  /** Images the plugin chose to erase. */
  readonly erasedImages: number;
  /** Share of all pixels of the batch its mask erased. */
  readonly erasedPixels: number;
  /** Share of pixels whose value differs from the plugin's input. */
  readonly changedPixels: number;
}

export interface PipelineOptions {
  readonly data: string;
  readonly size: number;
  readonly iterations: number;
  readonly seed: number;
}

export async function runCustomPipeline(o: PipelineOptions): Promise<{ order: string[]; effects: PluginEffect[] }> {
  const dataset = await loadDataset(o.data);
  const splits = splitDataset(dataset, { seed: 0 });
  const transform = { resize: Math.round((o.size * 256) / 224), crop: o.size };
  const rng = createRng(o.seed);
  const backbone = createSmallBackbone({ inputSize: o.size }, rng.fork());
  const run = createRunContainer({
    backbone,
    batches: await createBalancedSource(splits.train, rng.fork(), { transform, realPerBatch: 4, fakePerBatch: 4 }),
    validation: await createEvalSource(splits.validation, { transform }),
    rng: rng.fork(),
    options: { iterations: o.iterations, evalEvery: o.iterations, learningRate: 2e-4 },
  });
  // The pipeline, in the chosen order.
  registerRandomErasing(run, { probability: 1 });
  registerAugmentation(run, new BandErasing());
  registerSfe(run, { blocks: 2, maxHeight: 0.4, maxWidth: 0.4 });

  // Train a few iterations with it: the trainer reads the same registrations.
  const trainer = run.resolve(Trainer);
  await trainer.run();

  // Apply the chain once to one batch of validation faces, as the trainer does on training batches.
  const plugins = orderAugmentations(run.resolveAll<Augmentation>(AUGMENTATION));
  const source = await createEvalSource(splits.validation.slice(0, 8), { transform });
  const effects: PluginEffect[] = [];
  const session = { model: inferenceHandle(backbone), rng: createRng(o.seed + 1), normalization: source.transform.normalization };
  for await (const batch of source.batches(8)) {
    let images = batch.images;
    for (const plugin of plugins) {
      const result = await plugin.apply(await createAugmentContext(session, images, batch.labels));
      const keep = result.mask ? ((await result.mask.data()) as Float32Array) : new Float32Array(0);
      const changed = tf.tidy(() => tf.mean(tf.cast(tf.notEqual(result.images, images), 'float32')).dataSync()[0]!);
      effects.push({
        plugin: plugin.name,
        erasedImages: result.params.perImage.filter((p) => (p as { erased?: boolean }).erased).length,
        erasedPixels: keep.length ? keep.reduce((s, v) => s + (v === 0 ? 1 : 0), 0) / keep.length : 0,
        changedPixels: changed,
      });
      result.mask?.dispose();
      images.dispose(); // each plugin's output is the next one's input
      images = result.images;
    }
    tf.dispose([images, batch.labels]);
  }
  for (const p of plugins) p.dispose?.();
  backbone.dispose();
  return { order: trainer.augmentations, effects };
}
