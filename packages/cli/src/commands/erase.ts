/**
 * `rfm erase`: applies an erasing method (SFE, PSFE, RE, AE) to a folder of faces and writes, per
 * image, the erased image, the keep-mask and the attention the method reads (the Forgery Attention
 * Map for SFE/PSFE, the class activation map for AE, none for RE), at the network's input size.
 *
 * @packageDocumentation
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { classActivationMap, forgeryAttentionMap, normalizeAttentionMaps } from '@rfm/attention';
import { checkOutputDir, COMPILE_AFTER_RUNS, createConsoleLogger, createRng, inferenceHandle, RFM_NORMALIZATION, startAugmentation, writeFileAtomic, type Backbone } from '@rfm/core';
import { createEvalSource, isImageFile, type DatasetItem } from '@rfm/data';
import { createBackbone } from '@rfm/models';
import { BACKBONE_FLAG_NAMES, backboneFlags, readBackboneFlags } from '../backbone-flags.js';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { createErasing, ERASING_METHODS, erasingMethodNames } from '../erasing-methods.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { writeAttentionPng, writeImagePng, writeMaskPng } from '../images/png.js';
import { ProgressBar } from '../progress.js';
import { uniqueOutputNames } from '../output-names.js';
import { loadRunModel, readRunConfig } from '../run-model.js';
import { inferenceThreadsSuggestion } from '../thread-suggestions.js';
import { resizeForCrop } from '../train-config.js';

/** Flags of `rfm erase`. */
export const ERASE_FLAGS: readonly FlagSpec[] = [
  { name: 'method', kind: 'choice', value: 'NAME', choices: erasingMethodNames(), required: true, help: `${erasingMethodNames().join(' | ')} (required)` },
  { name: 'images', kind: 'string', value: 'DIR', required: true, help: 'folder of .jpg/.jpeg/.png/.webp faces (not recursive; required)' },
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'output folder (created; required)' },
  {
    name: 'model',
    kind: 'string',
    value: 'RUN_DIR',
    help: 'a run folder written by rfm train: its trained detector guides the erasing.\nWithout it an UNTRAINED backbone is used (random weights): fine to see what\nthe method does, meaningless as attention.',
  },
  ...backboneFlags('(without --model; default: small at 224)'),
  { name: 'seed', kind: 'int', value: 'S', min: 0, max: 2 ** 31 - 1, help: 'seed of the erasing (and of the untrained weights)', default: 0 },
  { name: 'blocks', kind: 'int', value: 'N', min: 1, help: 'number of blocks N (default 3; re: rectangles per image, default 1; ae: ignored)' },
  {
    name: 'max-size',
    kind: 'int',
    value: 'PX',
    min: 1,
    help: 'largest block side in pixels (default 120/224 of the input side, i.e. 120 at 224;\nignored by re and ae)',
  },
  { name: 'batch', kind: 'int', value: 'N', min: 1, max: 1024, help: 'images per forward pass', default: 8 },
  { name: 'skip-bad-images', kind: 'boolean', help: 'skip unreadable images (listed as warnings) instead of failing' },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  `Usage: rfm erase --method NAME --images DIR --out DIR [--model RUN_DIR | --backbone NAME --size N]
                 [--seed S] [--blocks N] [--max-size PX] [--batch N] [--backend B]`,
  `Erases every image of a folder the way training would, and writes for each image NAME (at the
network's input size: resized to 256/224 of it and centre-cropped, like evaluation):
  NAME.erased.png   the erased image
  NAME.mask.png     the keep-mask (white = kept, black = erased)
  NAME.fam.png      sfe, psfe: the Forgery Attention Map of the original image (blurred, min-max, jet)
  NAME.cam.png      ae: the class activation map AE thresholds (label class, upsampled, min-max, jet)
and erase.json with the blocks (rectangles, CAM cut-offs) of every image (for replay). re writes
no attention map; with its default p = 0.5 about half the images are left unchanged.`,
  ERASE_FLAGS,
  `Two images whose names differ only in the extension (a.jpg, a.png) keep it in their output names
(a.jpg.erased.png, a.png.erased.png).

Images are given label 1 (fake); only methods that read labels care (ae: the fake-class CAM).

Examples:
  rfm erase --method sfe --images data/ffhq-stylegan2/fake --out out/sfe --backbone small --size 128
  rfm erase --method psfe --model runs/demo --images data/ffhq-stylegan2/fake --out out/psfe
  rfm erase --method ae --model runs/demo --images data/ffhq-stylegan2/fake --out out/ae`,
);

/** The `erase` command. */
export const eraseCommand: CliCommand = {
  name: 'erase',
  summary: 'erase a folder of faces with SFE/PSFE/RE/AE; write erased images, masks and attention maps',
  help: HELP,
  flags: ERASE_FLAGS,
  async run(args, io) {
    const f = parseFlags('erase', args, ERASE_FLAGS);
    const methodName = f.required('method');
    const imagesDir = f.required('images');
    const outDir = checkOutputDir(resolve(f.required('out')));
    const modelDir = f.string('model');
    const seed = f.number('seed')!;
    const blocks = f.number('blocks');
    const maxSize = f.number('max-size');
    const batchSize = f.number('batch')!;
    if (modelDir !== undefined && BACKBONE_FLAG_NAMES.some((name) => f.has(name))) {
      throw new CliUsageError('erase: --model already fixes the backbone; drop --backbone/--size/--width/--cut/--patch-score');
    }
    const skipBad = f.bool('skip-bad-images');
    const files = listImages(imagesDir);
    // a.jpg and a.png would both write a.erased.png: such images keep their extension in the name.
    const stems = uniqueOutputNames(files.map((file) => file.name), stemOf, (name) => name, 'images', 'erase');
    // Without --model, an untrained backbone from the flags.
    const untrained = modelDir === undefined ? readBackboneFlags(f, { backbone: 'small', size: 224 }) : undefined;
    const model = untrained === undefined ? readRunConfig(modelDir!).config : { backbone: untrained.name, backboneOptions: untrained.options };
    await startBackend(f, io, 'auto', inferenceThreadsSuggestion(model, batchSize));

    let backbone: Backbone;
    let resize: number | undefined;
    if (untrained === undefined) {
      const run = await loadRunModel(modelDir!);
      backbone = run.backbone;
      resize = run.config?.resize;
      io.err(`model: ${run.runDir} (${backbone.config.name}, ${backbone.config.inputSize} px)\n`);
    } else {
      backbone = createBackbone(untrained.name, untrained.options, createRng(seed));
      io.err(`model: UNTRAINED ${untrained.name} at ${untrained.options.inputSize} px (random weights; pass --model RUN_DIR for a trained detector)\n`);
    }
    try {
      const size = backbone.config.inputSize;
      const method = ERASING_METHODS[methodName]!;
      const plugin = createErasing(methodName, { inputSize: size, blocks, maxSize });
      const items: DatasetItem[] = files.map((f) => ({ id: f.name, path: f.path, label: 1, technique: 'fake' }));
      const source = await createEvalSource(items, {
        transform: { resize: resize ?? resizeForCrop(size), crop: size },
        onBadImage: skipBad ? 'skip' : 'throw',
        logger: createConsoleLogger('rfm'),
      });
      if (source.size === 0) throw new CliUsageError(`erase: every image in --images ${imagesDir} was unreadable and skipped`);
      const handle = inferenceHandle(backbone);
      const erasing = await startAugmentation(plugin, { model: handle, rng: createRng(seed), normalization: source.transform.normalization }, size);
      const progress = new ProgressBar(io, 'erase', items.length);
      const records: { image: string; params: unknown }[] = [];
      let done = 0;
      progress.update(0);
      for await (const batch of source.batches(batchSize)) {
        const result = await erasing.apply(batch.images, batch.labels);
        const labelValues = Array.from(await batch.labels.data());
        const attention =
          method.attention === 'fam'
            ? tf.tidy(() => normalizeAttentionMaps(forgeryAttentionMap(handle, batch.images, { compileAfter: COMPILE_AFTER_RUNS })))
            : method.attention === 'cam'
              ? classActivationMap(handle, batch.images, { target: 'label', labels: labelValues })
              : null;
        const [erased, mapValues] = await Promise.all([result.images.data(), attention ? attention.data() : null]);
        const mask = result.mask ? await result.mask.data() : undefined;
        tf.dispose([batch.images, batch.labels, result.images, ...(attention ? [attention] : []), ...(result.mask ? [result.mask] : [])]);
        const n = size * size;
        for (const [i, id] of batch.ids!.entries()) {
          const stem = join(outDir, stems.get(id)!);
          await writeImagePng(`${stem}.erased.png`, { data: (erased as Float32Array).subarray(i * n * 3, (i + 1) * n * 3), height: size, width: size }, RFM_NORMALIZATION);
          await writeMaskPng(`${stem}.mask.png`, mask ? mask.subarray(i * n, (i + 1) * n) : new Float32Array(n).fill(1), size, size);
          if (mapValues) {
            await writeAttentionPng(`${stem}.${method.attention}.png`, { data: (mapValues as Float32Array).subarray(i * n, (i + 1) * n), height: size, width: size });
          }
          records.push({ image: id, params: result.params.perImage[i] });
        }
        done += batch.ids!.length;
        progress.update(done);
      }
      erasing.dispose();
      writeFileAtomic(
        join(outDir, 'erase.json'),
        `${JSON.stringify({ method: methodName, seed, inputSize: size, model: modelDir ?? null, images: records }, null, 2)}\n`,
      );
      const pngs = records.length * (method.attention ? 3 : 2);
      const skipped = source.skipped.length ? ` (${source.skipped.length} unreadable image(s) skipped)` : '';
      io.out(`${records.length} images erased with ${methodName}; ${pngs} PNGs and erase.json written to ${outDir}${skipped}\n`);
    } finally {
      backbone.dispose();
    }
  },
};

/** Image files of a folder (not recursive), sorted by name. */
function listImages(dir: string): { name: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new CliUsageError(`erase: cannot read --images ${dir}: ${(e as Error).message}`);
  }
  const files = names
    .filter((n) => !n.startsWith('.') && isImageFile(n))
    .map((n) => ({ name: n, path: resolve(dir, n) }))
    // Unreadable entries (dangling links, loops) stay in: the decoder reports or skips them by name.
    .filter((f) => isFileOrUnreadable(f.path))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (files.length === 0) throw new CliUsageError(`erase: no .jpg/.jpeg/.png/.webp image in --images ${dir}`);
  return files;
}

function isFileOrUnreadable(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true;
  }
}

function stemOf(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}
