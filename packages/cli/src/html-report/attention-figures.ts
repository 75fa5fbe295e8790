/**
 * Average attention maps of one or more detectors over the same images per technique, blended
 * over each technique's mean face, and their similarity matrices (paper Figs. 7 and 8), computed
 * as `rfm fam` computes them, for the report.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { AttentionAverager, attentionSimilarity } from '@rfm/attention';
import { inferenceHandle, type Backbone } from '@rfm/core';
import { createEvalSource, type DatasetEvalSource, type DatasetItem } from '@rfm/data';
import { ATTENTION_METHODS } from '../attention-methods.js';
import { attentionToRgb, normalizedToRgb } from '../images/png.js';
import { MeanFace } from '../mean-face.js';
import { pngImage } from './png-data-uri.js';
import type { AttentionFigures, AttentionRow, ReportImage } from './report-model.js';

/** A detector to draw: its name and a loader (called once; the caller's backbone is disposed after use). */
export interface DetectorToDraw {
  /** Row name, e.g. the erasing method. */
  readonly name: string;
  /** Loads the detector. */
  readonly load: () => Promise<Backbone>;
}

/** Options of {@link computeAttentionFigures}. */
export interface AttentionFiguresOptions {
  /** Side images are resized to before the centre crop. */
  readonly resize: number;
  /** Network input side (crop). */
  readonly inputSize: number;
  /** Images per forward pass. @default 16 */
  readonly batch?: number;
  /** Where the images come from, for the caption (e.g. `test split`). */
  readonly source: string;
  /** Called after every batch with the images done so far (over all detectors). */
  readonly onProgress?: (done: number) => void;
}

/**
 * Computes the average FAM of every detector over `groups` (technique → images; the same images
 * for every detector), the mean face of each technique and one similarity matrix per detector.
 *
 * @param detectors - the detectors, in row order
 * @param groups - images per technique, in column order
 * @param options - transforms, batch size, progress
 */
export async function computeAttentionFigures(
  detectors: readonly DetectorToDraw[],
  groups: readonly (readonly [string, readonly DatasetItem[]])[],
  options: AttentionFiguresOptions,
): Promise<AttentionFigures> {
  const batchSize = options.batch ?? 16;
  const method = ATTENTION_METHODS.fam!;
  const sources: DatasetEvalSource[] = [];
  for (const [, items] of groups) sources.push(await createEvalSource(items, { transform: { resize: options.resize, crop: options.inputSize }, onBadImage: 'skip' }));
  const faces = groups.map(() => new MeanFace(options.inputSize));
  const counts: Record<string, number> = {};
  const rows: AttentionRow[] = [];
  let done = 0;
  for (const [d, detector] of detectors.entries()) {
    const backbone = await detector.load();
    try {
      const handle = inferenceHandle(backbone);
      const maps: ReportImage[] = [];
      const averages = [];
      for (const [g, [technique]] of groups.entries()) {
        const source = sources[g]!;
        const averager = new AttentionAverager();
        for await (const batch of source.batches(batchSize)) {
          const m = method.compute(handle, batch.images);
          await averager.add(m);
          if (d === 0) faces[g]!.add((await batch.images.data()) as Float32Array, batch.ids!.length);
          tf.dispose([m, batch.images, batch.labels]);
          done += batch.ids!.length;
          options.onProgress?.(done);
        }
        counts[technique] = averager.count;
        const map = averager.result();
        averages.push(map);
        const rgb = attentionToRgb(map, { background: faces[g]!.result(), normalization: source.transform.normalization });
        maps.push(await pngImage(rgb, `${detector.name}: average FAM of ${technique}`));
      }
      rows.push({ name: detector.name, maps, similarity: attentionSimilarity(averages) });
    } finally {
      backbone.dispose();
    }
  }
  const meanFaces: ReportImage[] = [];
  for (const [g, [technique]] of groups.entries()) {
    meanFaces.push(await pngImage(normalizedToRgb(faces[g]!.result(), sources[g]!.transform.normalization), `mean face of ${technique}`));
  }
  return { method: 'fam', techniques: groups.map(([t]) => t), imagesPerTechnique: counts, meanFaces, rows, source: options.source };
}
