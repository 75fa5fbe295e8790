/**
 * The computed figures of a report (average attention maps with their similarity, and the
 * erasing grid), with the choice of the few images they use and one progress bar for both.
 *
 * @packageDocumentation
 */
import { createRng } from '@rfm/core';
import { REAL_TECHNIQUE, type DatasetItem } from '@rfm/data';
import type { CliIO } from '../command.js';
import { ProgressBar } from '../progress.js';
import { BLENDED_GROUP, hasBlendBoundary, ONE_STAGE_GROUP } from '../forgery-kinds.js';
import { groupByTechnique } from '../technique-groups.js';
import { computeAttentionFigures, type DetectorToDraw } from './attention-figures.js';
import { computeErasingGrid, type ErasingToDraw } from './erasing-grid.js';
import type { ReportData } from './report-model.js';

/** How many images the figures use; kept small so a report costs seconds, not minutes. */
export interface ReportFigureOptions {
  /** Images averaged per technique for the attention maps. @default 32 */
  readonly imagesPerTechnique?: number;
  /** Images in the erasing grid (two thirds fakes). @default 6 */
  readonly erasingImages?: number;
  /** Seed of the image choice and of the erasing. @default 0 */
  readonly seed?: number;
}

/** What {@link computeReportFigures} needs. */
export interface FigureInputs {
  /** Side images are resized to before the centre crop. */
  readonly resize: number;
  /** Network input side. */
  readonly inputSize: number;
  /** Detectors whose average maps are drawn (one row each). */
  readonly detectors: readonly DetectorToDraw[];
  /** Images the average maps are taken over (a sample per technique is used). */
  readonly attentionItems: readonly DatasetItem[];
  /** Where {@link attentionItems} come from, for the caption. */
  readonly attentionSource: string;
  /** Erasing methods of the grid (one row pair each). */
  readonly erasing: readonly ErasingToDraw[];
  /** Images the grid's few are picked from (training images). */
  readonly erasingItems: readonly DatasetItem[];
  /** A sentence shown with the grid. */
  readonly erasingNote?: string;
}

/**
 * Up to `perTechnique` items of each technique, picked at random with `seed`, `real` first.
 *
 * @param items - candidates
 * @param perTechnique - cap per technique
 * @param seed - seed of the choice
 */
export function pickPerTechnique(items: readonly DatasetItem[], perTechnique: number, seed: number): [string, DatasetItem[]][] {
  const rng = createRng(seed);
  return groupByTechnique(items).map(([t, group]) => [t, rng.shuffle([...group]).slice(0, perTechnique)]);
}

/**
 * The technique groups plus, when the fakes include both one-stage fakes (GAN faces) and fakes
 * with a blending boundary (`rfm synth` blends, `rfm less-forgery` region swaps), one group of
 * each kind: the union of that kind's picked images (paper Fig. 7 sets two-stage beside
 * one-stage techniques).
 *
 * @param groups - technique groups, as {@link pickPerTechnique} returns them
 */
export function withKindGroups(groups: readonly [string, DatasetItem[]][]): [string, DatasetItem[]][] {
  const fakes = groups.filter(([t]) => t !== REAL_TECHNIQUE);
  const oneStage = fakes.filter(([t]) => !hasBlendBoundary(t)).flatMap(([, g]) => g);
  const blended = fakes.filter(([t]) => hasBlendBoundary(t)).flatMap(([, g]) => g);
  if (oneStage.length === 0 || blended.length === 0) return [...groups];
  return [...groups, [ONE_STAGE_GROUP, oneStage], [BLENDED_GROUP, blended]];
}

/**
 * `count` items for the erasing grid, picked at random with `seed`: two thirds fakes (rounded
 * up), the rest reals, fakes first.
 *
 * @param items - candidates
 * @param count - images wanted
 * @param seed - seed of the choice
 */
export function pickForErasing(items: readonly DatasetItem[], count: number, seed: number): DatasetItem[] {
  const shuffled = createRng(seed).shuffle([...items]);
  const fakes = shuffled.filter((i) => i.label === 1);
  const reals = shuffled.filter((i) => i.label === 0);
  const nFake = Math.min(fakes.length, Math.ceil((2 * count) / 3));
  return [...fakes.slice(0, nFake), ...reals.slice(0, count - nFake)];
}

/**
 * Computes the attention and erasing figures, drawing one `report` progress bar on `io`.
 *
 * @param inputs - detectors, methods and candidate images
 * @param io - where progress goes
 * @param options - image counts and seed
 */
export async function computeReportFigures(inputs: FigureInputs, io: CliIO, options: ReportFigureOptions = {}): Promise<Pick<ReportData, 'attention' | 'attentionMissing' | 'erasing' | 'erasingMissing'>> {
  const seed = options.seed ?? 0;
  const groups = withKindGroups(pickPerTechnique(inputs.attentionItems, options.imagesPerTechnique ?? 32, seed));
  const gridItems = inputs.erasing.length > 0 ? pickForErasing(inputs.erasingItems, options.erasingImages ?? 6, seed) : [];
  const perDetector = groups.reduce((s, [, g]) => s + g.length, 0);
  const attentionTotal = inputs.detectors.length * perDetector;
  const bar = new ProgressBar(io, 'report', attentionTotal + inputs.erasing.length * gridItems.length);
  bar.update(0, 'attention maps');
  const out: { -readonly [K in keyof ReportData]?: ReportData[K] } = {};
  if (perDetector === 0 || inputs.detectors.length === 0) {
    out.attentionMissing = 'No image to average attention maps over.';
  } else {
    out.attention = await computeAttentionFigures(inputs.detectors, groups, {
      resize: inputs.resize,
      inputSize: inputs.inputSize,
      source: inputs.attentionSource,
      onProgress: (done) => bar.update(done, 'attention maps'),
    });
  }
  if (inputs.erasing.length === 0) {
    out.erasingMissing = 'This run uses no erasing.';
  } else if (gridItems.length === 0) {
    out.erasingMissing = 'No training image to erase.';
  } else {
    out.erasing = await computeErasingGrid(gridItems, inputs.erasing, {
      resize: inputs.resize,
      inputSize: inputs.inputSize,
      seed,
      ...(inputs.erasingNote ? { note: inputs.erasingNote } : {}),
      onProgress: (done) => bar.update(attentionTotal + done, 'erasing grid'),
    });
  }
  return out;
}
