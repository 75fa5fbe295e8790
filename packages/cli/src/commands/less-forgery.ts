/**
 * `rfm less-forgery`: the paper's less-forgery test sets (Table 6), one per face region.
 *
 * @packageDocumentation
 */
import { lessForgerySet } from '@rfm/synth';
import { BACKEND_FLAGS } from '../backend-flag.js';
import type { CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { ProgressBar } from '../progress.js';
import { openSynthesisInputs, reportFaceless } from '../synthesis-inputs.js';

/** Flags of `rfm less-forgery`. */
export const LESS_FORGERY_FLAGS: readonly FlagSpec[] = [
  { name: 'data', kind: 'string', value: 'DIR', required: true, help: 'dataset with real and fake faces (folder, CSV manifest or DeepfakeBench .json)' },
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'output folder (must not exist or be empty)' },
  { name: 'seed', kind: 'int', value: 'S', min: 0, max: 2 ** 31 - 1, default: 0, help: 'seed of the donor choices' },
  { name: 'size', kind: 'int', value: 'N', min: 32, max: 2048, default: 256, help: 'working and output side in pixels' },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm less-forgery --data DIR --out DIR [--seed S] [--size 256]',
  `Builds the less-forgery test sets of the RFM paper (§4.4, Table 6): for every fake face and each
region (eyes, nose, mouth, skin = the face hull minus the other three), the region is replaced by
the pixels of a random real face of the dataset, aligned by the 68-landmark similarity transform.
Faces come from @rfm/faces; an image without a detected face is reported and skipped.

Writes DIR/<region>/*.png, DIR/mask/<region>/*.png, DIR/real/*.png (the reals), DIR/full/*.png
(the unmodified fakes with their own technique) and DIR/manifest.csv whose technique column is
less-eyes, less-nose, less-mouth or less-skin for the swapped fakes, so that rfm eval reports each
region as a technique and its report shows the per-region table (AUC per region and its drop
versus the full fakes); DIR/less-forgery.json lists every donor. DIR appears only when complete.`,
  LESS_FORGERY_FLAGS,
  'Example:\n  rfm less-forgery --data data/ffhq-stylegan2 --out less-forgery\n  rfm eval --model runs/quick --data less-forgery/manifest.csv',
);

/** The `less-forgery` command. */
export const lessForgeryCommand: CliCommand = {
  name: 'less-forgery',
  summary: 'per-region less-forgery test sets (eyes, nose, mouth, skin replaced by a real face)',
  help: HELP,
  flags: LESS_FORGERY_FLAGS,
  async run(args, io) {
    const f = parseFlags('less-forgery', args, LESS_FORGERY_FLAGS);
    const seed = f.number('seed')!;
    const size = f.number('size')!;
    const { out, items, detector } = await openSynthesisInputs(f, io);
    let bar: ProgressBar | undefined;
    const report = await lessForgerySet(items, {
      out,
      seed,
      size,
      detector,
      onProgress: (done, total) => {
        bar ??= new ProgressBar(io, 'less-forgery', total);
        bar.update(done, 'fake faces');
      },
    });
    reportFaceless('less-forgery', report.faceless, io);
    io.out(`${report.fakes} fake faces x 4 regions, ${report.reals} reals (${report.faceless.length} without a face skipped); manifest: ${report.manifest}\n`);
    return 0;
  },
};
