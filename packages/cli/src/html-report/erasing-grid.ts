/**
 * The same images as erased by each method (paper Fig. 4), for the report: every method's
 * plugin (built as `rfm train --augment` builds it, with probability 1) is applied once to one
 * batch of the images, guided by a trained detector, the way `rfm erase` does.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, inferenceHandle, startAugmentation, type Backbone } from '@rfm/core';
import { createEvalSource, type DatasetItem } from '@rfm/data';
import { createErasing } from '../erasing-methods.js';
import { maskToGrey, normalizedToRgb } from '../images/png.js';
import { pngImage } from './png-data-uri.js';
import type { ErasingGrid, ErasingRow, ReportImage } from './report-model.js';

/** A method to apply, and the detector that guides it. */
export interface ErasingToDraw {
  /** Erasing method name (`sfe`, `psfe`, `re`, `ae`). */
  readonly method: string;
  /** How it places its regions, for the row label (e.g. `guided by the sfe detector`). */
  readonly guidedBy: string;
  /** Loads the guiding detector (disposed after use). */
  readonly load: () => Promise<Backbone>;
}

/** Options of {@link computeErasingGrid}. */
export interface ErasingGridOptions {
  /** Side images are resized to before the centre crop. */
  readonly resize: number;
  /** Network input side (crop). */
  readonly inputSize: number;
  /** Seed of every method's random choices (the same for every method). @default 0 */
  readonly seed?: number;
  /** A sentence shown with the grid. */
  readonly note?: string;
  /** Called after each method with the images done so far. */
  readonly onProgress?: (done: number) => void;
}

/**
 * Erases `items` with every method and returns the grid: originals, erased images and keep-masks.
 *
 * @param items - the images (one batch; keep it small, e.g. 6)
 * @param methods - methods in row order
 * @param options - transforms, seed and progress
 */
export async function computeErasingGrid(items: readonly DatasetItem[], methods: readonly ErasingToDraw[], options: ErasingGridOptions): Promise<ErasingGrid> {
  const size = options.inputSize;
  const n = size * size;
  const source = await createEvalSource(items, { transform: { resize: options.resize, crop: size }, onBadImage: 'skip' });
  const originals: ReportImage[] = [];
  const rows: ErasingRow[] = [];
  let ids: readonly string[] = [];
  let labels: number[] = [];
  let done = 0;
  for (const m of methods) {
    const backbone = await m.load();
    const session = { model: inferenceHandle(backbone), rng: createRng(options.seed ?? 0), normalization: source.transform.normalization };
    const erasing = await startAugmentation(createErasing(m.method, { inputSize: size, probability: 1 }), session, size);
    try {
      for await (const batch of source.batches(items.length)) {
        const labelValues = Array.from(await batch.labels.data());
        const result = await erasing.apply(batch.images, batch.labels);
        const [input, erased, mask] = await Promise.all([batch.images.data(), result.images.data(), result.mask ? result.mask.data() : null]);
        tf.dispose([batch.images, batch.labels, result.images, ...(result.mask ? [result.mask] : [])]);
        const count = batch.ids!.length;
        if (originals.length === 0) {
          ids = batch.ids!;
          labels = labelValues;
          for (let i = 0; i < count; i++) {
            const image = { data: (input as Float32Array).subarray(i * n * 3, (i + 1) * n * 3), height: size, width: size };
            originals.push(await pngImage(normalizedToRgb(image, source.transform.normalization), `input ${ids[i]}`));
          }
        }
        const erasedImages: ReportImage[] = [];
        const masks: ReportImage[] = [];
        for (let i = 0; i < count; i++) {
          const image = { data: (erased as Float32Array).subarray(i * n * 3, (i + 1) * n * 3), height: size, width: size };
          erasedImages.push(await pngImage(normalizedToRgb(image, source.transform.normalization), `${m.method}: ${batch.ids![i]} erased`));
          const keep = mask ? (mask as Float32Array).subarray(i * n, (i + 1) * n) : new Float32Array(n).fill(1);
          masks.push(await pngImage(maskToGrey(keep, size, size), `${m.method}: mask of ${batch.ids![i]}`));
        }
        rows.push({ method: m.method, guidedBy: m.guidedBy, erased: erasedImages, masks });
        done += count;
        options.onProgress?.(done);
      }
    } finally {
      erasing.dispose();
      backbone.dispose();
    }
  }
  return { ids, labels, originals, rows, ...(options.note ? { note: options.note } : {}) };
}
