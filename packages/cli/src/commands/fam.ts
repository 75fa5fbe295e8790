/**
 * `rfm fam`: average attention maps per forgery technique and their cosine similarities (paper
 * §4.5, Figs. 7 and 8), computed with a trained run's detector.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AttentionAverager, attentionSimilarity, type AttentionMapData } from '@rfm/attention';
import { checkOutputDir, createConsoleLogger, createRng, inferenceHandle, writeFileAtomic } from '@rfm/core';
import { createEvalSource, loadDataset } from '@rfm/data';
import { ATTENTION_METHODS, attentionMethodNames } from '../attention-methods.js';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import type { CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { writeAttentionPng, writeImagePng } from '../images/png.js';
import { MeanFace } from '../mean-face.js';
import { ProgressBar } from '../progress.js';
import { writeChart } from '../report.js';
import { uniqueOutputNames } from '../output-names.js';
import { similaritySvg } from '../similarity-chart.js';
import { loadRunModel, readRunConfig } from '../run-model.js';
import { groupByTechnique } from '../technique-groups.js';
import { inferenceThreadsSuggestion } from '../thread-suggestions.js';
import { resizeForCrop } from '../train-config.js';

/** Flags of `rfm fam`. */
export const FAM_FLAGS: readonly FlagSpec[] = [
  { name: 'model', kind: 'string', value: 'RUN_DIR', required: true, help: 'run folder written by rfm train (required)' },
  {
    name: 'data',
    kind: 'string',
    value: 'DIR',
    required: true,
    help: 'dataset folder with real/ and fake/ (or fake/<technique>/), or a .csv manifest (required)',
  },
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'output folder (required)' },
  { name: 'method', kind: 'choice', value: 'NAME', choices: attentionMethodNames(), help: `${Object.keys(ATTENTION_METHODS).join(' | ')}`, default: 'fam' },
  {
    name: 'max-images',
    kind: 'int',
    value: 'N',
    min: 1,
    help: 'images per technique, picked at random with --seed (default 256, as the\nofficial code; the paper says 512)',
  },
  {
    name: 'flip',
    kind: 'boolean',
    help: 'flip each map (and each face of the mean) left-right with probability 0.5, as\nthe official figures do; this symmetrises the averages (default off)',
  },
  { name: 'seed', kind: 'int', value: 'S', min: 0, max: 2 ** 31 - 1, help: 'seed of the image choice and flips', default: 0 },
  { name: 'batch', kind: 'int', value: 'N', min: 1, max: 1024, help: 'images per forward pass', default: 16 },
  { name: 'skip-bad-images', kind: 'boolean', help: 'skip unreadable images (listed as warnings) instead of failing' },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  `Usage: rfm fam --model RUN_DIR --data DIR --out DIR [--method NAME] [--max-images N] [--flip]
               [--seed S] [--batch N] [--backend B]`,
  `Averages the attention maps of a trained detector over the images of each technique (real, and
every fake technique: fake/<technique>/ folders, or "fake"), as the official AvgFAM.py does:
each map is blurred (bilinear to half size and back), min-max normalised, optionally flipped,
averaged, and min-max normalised again. Images go through the evaluation transforms (resize,
centre crop to the model's input size). Writes to --out:
  TECHNIQUE.fam.png        the average map in jet, blended over the technique's mean face
  TECHNIQUE.fam-plain.png  the average map in jet
  TECHNIQUE.face.png       the mean face
  similarity.json          cosine similarity between the average maps of every pair (Fig. 8)
  similarity.png           the same matrix as a labelled heat map (colours span the matrix's own
                           range; every cell prints its value)`,
  FAM_FLAGS,
  `File names are the technique names with characters other than A-Z a-z 0-9 . _ - replaced by _;
two techniques that would share a name (a b, a_b) get a short hash of their name appended.

Example: rfm fam --model runs/demo --data data/ffhq-stylegan2 --out out/fam`,
);

/** The `fam` command. */
export const famCommand: CliCommand = {
  name: 'fam',
  summary: 'average attention map per technique and their similarity matrix (paper Figs. 7-8)',
  help: HELP,
  flags: FAM_FLAGS,
  async run(args, io) {
    const f = parseFlags('fam', args, FAM_FLAGS);
    const modelDir = f.required('model');
    const dataPath = f.required('data');
    const outDir = checkOutputDir(resolve(f.required('out')));
    const methodName = f.required('method');
    const maxImages = f.number('max-images') ?? 256;
    const flip = f.bool('flip');
    const seed = f.number('seed')!;
    const batchSize = f.number('batch')!;
    const skipBad = f.bool('skip-bad-images');
    const logger = createConsoleLogger('rfm');
    const dataset = await loadDataset(dataPath, { logger });
    const techniqueNames = [...new Set(dataset.items.map((it) => it.technique))];
    // Techniques "a b" and "a_b" would share a file name: such techniques get a short hash of their name.
    const fileNames = uniqueOutputNames(techniqueNames, safeName, (t) => `${safeName(t)}-${createHash('sha256').update(t).digest('hex').slice(0, 8)}`, 'techniques', 'fam');
    await startBackend(f, io, 'auto', inferenceThreadsSuggestion(readRunConfig(modelDir).config, batchSize));
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
        const source = await createEvalSource(items, { transform: { resize, crop: size }, onBadImage: skipBad ? 'skip' : 'throw', logger });
        if (source.size === 0) {
          io.err(`fam: every image of technique ${technique} was unreadable and skipped; it is left out\n`);
          continue;
        }
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
        const base = join(outDir, fileNames.get(technique)!);
        await writeAttentionPng(`${base}.fam.png`, map, { background: meanFace, normalization: source.transform.normalization });
        await writeAttentionPng(`${base}.fam-plain.png`, map);
        await writeImagePng(`${base}.face.png`, meanFace, source.transform.normalization);
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
