/**
 * `rfm less-forgery`: the paper's less-forgery test sets (Table 6), one per face region.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { loadDataset } from '@rfm/data';
import { FaceDetector } from '@rfm/faces';
import { lessForgerySet } from '@rfm/synth';
import { intFlag, parseCommandArgs, requiredString } from '../args.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import type { CliCommand } from '../command.js';
import { ProgressBar } from '../progress.js';

const HELP = `Usage: rfm less-forgery --data DIR --out DIR [--seed S] [--size 256]

Builds the less-forgery test sets of the RFM paper (§4.4, Table 6): for every fake face and each
region (eyes, nose, mouth, skin = the face hull minus the other three), the region is replaced by
the pixels of a random real face of the dataset, aligned by the 68-landmark similarity transform.
Faces come from @rfm/faces; an image without a detected face is reported and skipped.

Writes DIR/<region>/*.png, DIR/mask/<region>/*.png, DIR/real/*.png (the reals) and DIR/manifest.csv
whose technique column is less-eyes, less-nose, less-mouth or less-skin, so that rfm eval reports
each region as a technique; DIR/less-forgery.json lists every donor. DIR must not exist or be
empty; it appears only when complete.

  --data DIR      dataset with real and fake faces (folder, CSV manifest or DeepfakeBench .json)
  --out DIR       output folder
  --seed S        seed of the donor choices (default 0)
  --size N        working and output side in pixels (default 256)
${BACKEND_FLAG_HELP}
Example:
  rfm less-forgery --data data/ffhq-stylegan2 --out less-forgery
  rfm eval --model runs/quick --data less-forgery/manifest.csv
`;

/** The `less-forgery` command. */
export const lessForgeryCommand: CliCommand = {
  name: 'less-forgery',
  summary: 'per-region less-forgery test sets (eyes, nose, mouth, skin replaced by a real face)',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('less-forgery', args, {
      ...BACKEND_FLAG_SPEC,
      data: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
    });
    const data = resolve(requiredString(p, 'data', 'less-forgery'));
    const out = resolve(requiredString(p, 'out', 'less-forgery'));
    const seed = intFlag(p, 'seed', 'less-forgery', 0, 2 ** 31 - 1) ?? 0;
    const size = intFlag(p, 'size', 'less-forgery', 32, 2048) ?? 256;
    await startBackend(p, 'less-forgery', io);
    const dataset = await loadDataset(data);
    const detector = await FaceDetector.create();
    let bar: ProgressBar | undefined;
    const report = await lessForgerySet(dataset.items, {
      out,
      seed,
      size,
      detector,
      onProgress: (done, total) => {
        bar ??= new ProgressBar(io, 'less-forgery', total);
        bar.update(done, 'fake faces');
      },
    });
    for (const f of report.faceless) io.err(`less-forgery: skipped ${f.id}: ${f.reason}\n`);
    io.out(`${report.fakes} fake faces x 4 regions, ${report.reals} reals (${report.faceless.length} without a face skipped); manifest: ${report.manifest}\n`);
    return 0;
  },
};
