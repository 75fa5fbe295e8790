/**
 * `rfm fam`: average attention maps per forgery technique and their cosine similarities (paper
 * §4.5, Figs. 7 and 8), computed with a trained run's detector.
 *
 * @packageDocumentation
 */
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  AttentionAverager,
  attentionSimilarity,
  createRng,
  inferenceHandle,
  writeAttentionPng,
  writeFileAtomic,
  writeImagePng,
  type AttentionMapData,
} from '@rfm/core';
import { createEvalSource, loadDataset } from '@rfm/data';
import { choiceFlag, intFlag, parseCommandArgs, requiredString } from '../args.js';
import { ATTENTION_METHODS, attentionMethodNames } from '../attention-methods.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import type { CliCommand } from '../command.js';
import { MeanFace } from '../mean-face.js';
import { ProgressBar } from '../progress.js';
import { writeChart } from '../report.js';
import { similaritySvg } from '../similarity-chart.js';
import { loadRunModel } from '../run-model.js';
import { groupByTechnique } from '../technique-groups.js';
import { resizeForCrop } from '../train-config.js';

const HELP = `Usage: rfm fam --model RUN_DIR --data DIR --out DIR [--method NAME] [--max-images N] [--flip]
               [--seed S] [--batch N] [--backend B]

Averages the attention maps of a trained detector over the images of each technique (real, and
every fake technique: fake/<technique>/ folders, or "fake"), as the official AvgFAM.py does:
each map is blurred (bilinear to half size and back), min-max normalised, optionally flipped,
averaged, and min-max normalised again. Images go through the evaluation transforms (resize,
centre crop to the model's input size). Writes to --out:
  TECHNIQUE.fam.png        the average map in jet, blended over the technique's mean face
  TECHNIQUE.fam-plain.png  the average map in jet
  TECHNIQUE.face.png       the mean face
  similarity.json          cosine similarity between the average maps of every pair (Fig. 8)
  similarity.png           the same matrix as a labelled heat map (colours span the matrix's own
                           range; every cell prints its value)

  --model RUN_DIR   run folder written by rfm train (required)
  --data DIR        dataset folder with real/ and fake/ (or fake/<technique>/), or a .csv manifest (required)
  --out DIR         output folder (required)
  --method NAME     ${Object.keys(ATTENTION_METHODS).join(' | ')} (default fam)
  --max-images N    images per technique, picked at random with --seed (default 256, as the
                    official code; the paper says 512)
  --flip            flip each map (and each face of the mean) left-right with probability 0.5, as
                    the official figures do; this symmetrises the averages (default off)
  --seed S          seed of the image choice and flips (default 0)
  --batch N         images per forward pass (default 16)
${BACKEND_FLAG_HELP}

Example: rfm fam --model runs/demo --data data/ffhq-stylegan2 --out out/fam
`;

/** The `fam` command. */
export const famCommand: CliCommand = {
  name: 'fam',
  summary: 'average attention map per technique and their similarity matrix (paper Figs. 7-8)',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('fam', args, {
      model: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      method: { type: 'string' },
      'max-images': { type: 'string' },
      flip: { type: 'boolean' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      ...BACKEND_FLAG_SPEC,
    });
    const modelDir = requiredString(p, 'model', 'fam');
    const dataPath = requiredString(p, 'data', 'fam');
    const outDir = resolve(requiredString(p, 'out', 'fam'));
    const methodName = choiceFlag(p, 'method', 'fam', attentionMethodNames()) ?? 'fam';
    const maxImages = intFlag(p, 'max-images', 'fam', 1) ?? 256;
    const flip = p.values.flip === true;
    const seed = intFlag(p, 'seed', 'fam', 0) ?? 0;
    const batchSize = intFlag(p, 'batch', 'fam', 1, 1024) ?? 16;
    const dataset = await loadDataset(dataPath);
    await startBackend(p, 'fam', io);
    const run = await loadRunModel(modelDir);
    const backbone = run.backbone;
    try {
      const size = backbone.config.inputSize;
      const resize = run.config?.resize ?? resizeForCrop(size);
      const handle = inferenceHandle(backbone);
      const method = ATTENTION_METHODS[methodName]!;
      const pick = createRng(seed);
      const flips = pick.fork();
      const groups = groupByTechnique(dataset.items).map(([technique, items]) => [technique, pick.shuffle([...items]).slice(0, maxImages)] as const);
      const total = groups.reduce((s, [, items]) => s + items.length, 0);
      const progress = new ProgressBar(io, 'fam', total);
      let done = 0;
      progress.update(0);
      const averages: { technique: string; images: number; map: AttentionMapData }[] = [];
      for (const [technique, items] of groups) {
        const source = await createEvalSource(items, { transform: { resize, crop: size } });
        const averager = new AttentionAverager({ flip, rng: flips });
        const face = new MeanFace(size, flip ? flips : null);
        for await (const batch of source.batches(batchSize)) {
          const maps = method.compute(handle, batch.images);
          await averager.add(maps);
          face.add((await batch.images.data()) as Float32Array, batch.ids!.length);
          tf.dispose([maps, batch.images, batch.labels]);
          done += batch.ids!.length;
          progress.update(done, technique);
        }
        const map = averager.result();
        const meanFace = face.result();
        const base = join(outDir, safeName(technique));
        writeAttentionPng(`${base}.fam.png`, map, { background: meanFace, normalization: source.transform.normalization });
        writeAttentionPng(`${base}.fam-plain.png`, map);
        writeImagePng(`${base}.face.png`, meanFace, source.transform.normalization);
        averages.push({ technique, images: averager.count, map });
      }
      const matrix = attentionSimilarity(averages.map((a) => a.map));
      const techniques = averages.map((a) => a.technique);
      writeFileAtomic(
        join(outDir, 'similarity.json'),
        `${JSON.stringify(
          { method: methodName, model: run.runDir, data: dataset.source, flip, seed, images: Object.fromEntries(averages.map((a) => [a.technique, a.images])), techniques, matrix },
          null,
          2,
        )}\n`,
      );
      await writeChart(similaritySvg(techniques, matrix, `cosine similarity of average ${methodName.toUpperCase()} maps`), join(outDir, 'similarity.png'));
      io.out(formatMatrix(techniques, matrix));
      io.err(`average maps of ${techniques.length} techniques written to ${outDir}\n`);
    } finally {
      backbone.dispose();
    }
  },
};

function formatMatrix(names: readonly string[], matrix: number[][]): string {
  const w = Math.max(6, ...names.map((s) => s.length));
  const head = `${''.padEnd(w)}  ${names.map((s) => s.padStart(w)).join('  ')}`;
  const rows = names.map((s, i) => `${s.padEnd(w)}  ${matrix[i]!.map((v) => v.toFixed(4).padStart(w)).join('  ')}`);
  return `cosine similarity of average attention maps\n${head}\n${rows.join('\n')}\n`;
}

/** A technique name as a file name (path separators and odd characters replaced). */
function safeName(technique: string): string {
  return technique.replace(/[^A-Za-z0-9._-]/g, '_');
}
