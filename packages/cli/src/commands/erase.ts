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
import {
  checkOutputDir,
  classActivationMap,
  createConsoleLogger,
  createRng,
  forgeryAttentionMap,
  inferenceHandle,
  normalizeAttentionMaps,
  RFM_NORMALIZATION,
  silentLogger,
  writeAttentionPng,
  writeFileAtomic,
  writeImagePng,
  writeMaskPng,
  type AugmentContext,
  type Backbone,
} from '@rfm/core';
import { createEvalSource, isImageFile, type DatasetItem } from '@rfm/data';
import { createBackbone } from '@rfm/models';
import { choiceFlag, intFlag, optionalString, parseCommandArgs, requiredString } from '../args.js';
import { BACKBONE_FLAG_HELP, BACKBONE_FLAG_SPECS, readBackboneFlags } from '../backbone-flags.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { ERASING_METHODS, erasingMethodNames } from '../erasing-methods.js';
import { ProgressBar } from '../progress.js';
import { uniqueOutputNames } from '../output-names.js';
import { loadRunModel } from '../run-model.js';
import { resizeForCrop } from '../train-config.js';

const HELP = `Usage: rfm erase --method NAME --images DIR --out DIR [--model RUN_DIR | --backbone NAME --size N]
                 [--seed S] [--blocks N] [--max-size PX] [--batch N] [--backend B]

Erases every image of a folder the way training would, and writes for each image NAME (at the
network's input size: resized to 256/224 of it and centre-cropped, like evaluation):
  NAME.erased.png   the erased image
  NAME.mask.png     the keep-mask (white = kept, black = erased)
  NAME.fam.png      sfe, psfe: the Forgery Attention Map of the original image (blurred, min-max, jet)
  NAME.cam.png      ae: the class activation map AE thresholds (label class, upsampled, min-max, jet)
and erase.json with the blocks (rectangles, CAM cut-offs) of every image (for replay). re writes
no attention map; with its default p = 0.5 about half the images are left unchanged.

  --method NAME     ${Object.keys(ERASING_METHODS).join(' | ')} (required)
  --images DIR      folder of .jpg/.jpeg/.png/.webp faces (not recursive; required)
  --out DIR         output folder (created; required)
  --model RUN_DIR   a run folder written by rfm train: its trained detector guides the erasing.
                    Without it an UNTRAINED backbone is used (random weights): fine to see what
                    the method does, meaningless as attention.
${BACKBONE_FLAG_HELP}
                    (without --model; default: small at 224)
  --seed S          seed of the erasing (and of the untrained weights) (default 0)
  --blocks N        number of blocks N (default 3; re: rectangles per image, default 1; ae: ignored)
  --max-size PX     largest block side in pixels (default 120/224 of the input side, i.e. 120 at 224;
                    ignored by re and ae)
  --batch N         images per forward pass (default 8)
  --skip-bad-images skip unreadable images (listed as warnings) instead of failing
${BACKEND_FLAG_HELP}

Two images whose names differ only in the extension (a.jpg, a.png) keep it in their output names
(a.jpg.erased.png, a.png.erased.png).

Images are given label 1 (fake); only methods that read labels care (ae: the fake-class CAM).

Examples:
  rfm erase --method sfe --images data/ffhq-stylegan2/fake --out out/sfe --backbone small --size 128
  rfm erase --method psfe --model runs/demo --images data/ffhq-stylegan2/fake --out out/psfe
  rfm erase --method ae --model runs/demo --images data/ffhq-stylegan2/fake --out out/ae
`;

/** The `erase` command. */
export const eraseCommand: CliCommand = {
  name: 'erase',
  summary: 'erase a folder of faces with SFE/PSFE/RE/AE; write erased images, masks and attention maps',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('erase', args, {
      method: { type: 'string' },
      images: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      seed: { type: 'string' },
      blocks: { type: 'string' },
      'max-size': { type: 'string' },
      batch: { type: 'string' },
      'skip-bad-images': { type: 'boolean' },
      ...BACKBONE_FLAG_SPECS,
      ...BACKEND_FLAG_SPEC,
    });
    const methodName = choiceFlag(p, 'method', 'erase', erasingMethodNames());
    if (methodName === undefined) throw new CliUsageError(`erase: --method is required (one of ${erasingMethodNames().join(', ')})`);
    const imagesDir = requiredString(p, 'images', 'erase');
    const outDir = checkOutputDir(resolve(requiredString(p, 'out', 'erase')));
    const modelDir = optionalString(p, 'model');
    const seed = intFlag(p, 'seed', 'erase', 0) ?? 0;
    const blocks = intFlag(p, 'blocks', 'erase', 1);
    const maxSize = intFlag(p, 'max-size', 'erase', 1);
    const batchSize = intFlag(p, 'batch', 'erase', 1, 1024) ?? 8;
    if (modelDir !== undefined && ['backbone', 'size', 'width', 'cut', 'patch-score'].some((f) => p.values[f] !== undefined)) {
      throw new CliUsageError('erase: --model already fixes the backbone; drop --backbone/--size/--width/--cut/--patch-score');
    }
    const skipBad = p.values['skip-bad-images'] === true;
    const files = listImages(imagesDir);
    // a.jpg and a.png would both write a.erased.png: such images keep their extension in the name.
    const stems = uniqueOutputNames(files.map((f) => f.name), stemOf, (name) => name, 'images', 'erase');
    await startBackend(p, 'erase', io);

    let backbone: Backbone;
    let resize: number | undefined;
    if (modelDir !== undefined) {
      const run = await loadRunModel(modelDir);
      backbone = run.backbone;
      resize = run.config?.resize;
      io.err(`model: ${run.runDir} (${backbone.config.name}, ${backbone.config.inputSize} px)\n`);
    } else {
      const choice = readBackboneFlags(p, 'erase', { backbone: 'small', size: 224 });
      backbone = createBackbone(choice.name, choice.options, createRng(seed));
      io.err(`model: UNTRAINED ${choice.name} at ${choice.options.inputSize} px (random weights; pass --model RUN_DIR for a trained detector)\n`);
    }
    try {
      const size = backbone.config.inputSize;
      const method = ERASING_METHODS[methodName]!;
      const plugin = method.create({ inputSize: size, blocks, maxSize });
      const items: DatasetItem[] = files.map((f) => ({ id: f.name, path: f.path, label: 1, technique: 'fake' }));
      const source = await createEvalSource(items, {
        transform: { resize: resize ?? resizeForCrop(size), crop: size },
        onBadImage: skipBad ? 'skip' : 'throw',
        logger: createConsoleLogger('rfm'),
      });
      if (source.size === 0) throw new CliUsageError(`erase: every image in --images ${imagesDir} was unreadable and skipped`);
      const handle = inferenceHandle(backbone);
      const rng = createRng(seed);
      const progress = new ProgressBar(io, 'erase', items.length);
      const records: { image: string; params: unknown }[] = [];
      let done = 0;
      progress.update(0);
      for await (const batch of source.batches(batchSize)) {
        const ctx: AugmentContext = {
          images: batch.images,
          labels: batch.labels,
          labelValues: Array.from(batch.labels.dataSync()),
          model: handle,
          rng,
          normalization: source.transform.normalization,
          step: 0,
          totalSteps: 1,
          logger: silentLogger,
        };
        const result = await plugin.apply(ctx);
        const attention =
          method.attention === 'fam'
            ? tf.tidy(() => normalizeAttentionMaps(forgeryAttentionMap(handle, batch.images)))
            : method.attention === 'cam'
              ? classActivationMap(handle, batch.images, { target: 'label', labels: ctx.labelValues })
              : null;
        const [erased, mapValues] = await Promise.all([result.images.data(), attention ? attention.data() : null]);
        const mask = result.mask ? await result.mask.data() : undefined;
        tf.dispose([batch.images, batch.labels, result.images, ...(attention ? [attention] : []), ...(result.mask ? [result.mask] : [])]);
        const n = size * size;
        batch.ids!.forEach((id, i) => {
          const stem = join(outDir, stems.get(id)!);
          writeImagePng(`${stem}.erased.png`, { data: (erased as Float32Array).subarray(i * n * 3, (i + 1) * n * 3), height: size, width: size }, RFM_NORMALIZATION);
          writeMaskPng(`${stem}.mask.png`, mask ? mask.subarray(i * n, (i + 1) * n) : new Float32Array(n).fill(1), size, size);
          if (mapValues) {
            writeAttentionPng(`${stem}.${method.attention}.png`, { data: (mapValues as Float32Array).subarray(i * n, (i + 1) * n), height: size, width: size });
          }
          records.push({ image: id, params: result.params.perImage[i] });
        });
        done += batch.ids!.length;
        progress.update(done);
      }
      plugin.dispose?.();
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
