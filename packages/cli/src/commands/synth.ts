/**
 * `rfm synth`: forgeries made from real faces (self-blended or blended between people), written
 * with their masks and a manifest.
 *
 * @packageDocumentation
 */
import { SYNTH_METHODS, synthesizeSet } from '@rfm/synth';
import { BACKEND_FLAGS } from '../backend-flag.js';
import type { CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { ProgressBar } from '../progress.js';
import { openSynthesisInputs, reportFaceless } from '../synthesis-inputs.js';

/** Flags of `rfm synth`. */
export const SYNTH_FLAGS: readonly FlagSpec[] = [
  {
    name: 'data',
    kind: 'string',
    value: 'DIR',
    required: true,
    help: 'dataset folder, CSV manifest or DeepfakeBench .json (its reals are used; a\nfolder of reals only needs an empty fake/ beside real/; for blend, groups are\nidentities, else each image is its own)',
  },
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'output folder (must not exist or be empty)' },
  { name: 'method', kind: 'choice', value: 'M', choices: SYNTH_METHODS, required: true, help: 'sbi | blend' },
  { name: 'count', kind: 'int', value: 'N', min: 1, max: 1_000_000, required: true, help: 'number of fakes (targets cycle through the reals in a seeded order)' },
  { name: 'seed', kind: 'int', value: 'S', min: 0, max: 2 ** 31 - 1, default: 0, help: 'seed of every random choice' },
  { name: 'size', kind: 'int', value: 'N', min: 32, max: 2048, default: 256, help: 'working and output side in pixels' },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm synth --data DIR --out DIR --method sbi|blend --count N [--seed S] [--size 256]',
  `Makes fakes from the real faces of a dataset, for inspection and for fixed test sets. Landmarks
come from @rfm/faces (detected once per real image); a real without a detected face is reported
and skipped, never blended with a guessed mask.
  sbi    Self-Blended Images (Shiohara & Yamasaki, CVPR 2022): a colour/frequency-perturbed,
         slightly shifted copy of a face blended into itself through an elastically deformed,
         twice-blurred landmark hull, blend ratio from {0.25, 0.5, 0.75, 1, 1, 1}
  blend  Face X-ray style (Li et al., CVPR 2020): the face of another identity (group) with the
         nearest landmarks, aligned by the landmark similarity transform, colour-matched inside
         the mask, blended through a randomly eroded or dilated, feathered hull

Writes DIR/real/*.png (the target reals, resized), DIR/fake/<method>/*.png, DIR/mask/<method>/*.png
(grey, 255 = source pixels), DIR/manifest.csv (path,label,technique,group; every image its own
group, so rfm eval does not take a real and its fake for one video; rfm train and rfm eval read it)
and DIR/synth.json (every fake's parameters). DIR appears only when complete.`,
  SYNTH_FLAGS,
  'Example:\n  rfm synth --data data/ffhq-stylegan2 --out synth/sbi --method sbi --count 20 --seed 1',
);

/** The `synth` command. */
export const synthCommand: CliCommand = {
  name: 'synth',
  summary: 'make self-blended (sbi) or two-person blended fakes from real faces, with masks and a manifest',
  help: HELP,
  flags: SYNTH_FLAGS,
  async run(args, io) {
    const f = parseFlags('synth', args, SYNTH_FLAGS);
    const method = f.string<(typeof SYNTH_METHODS)[number]>('method')!;
    const count = f.number('count')!;
    const seed = f.number('seed')!;
    const size = f.number('size')!;
    const { out, items, detector } = await openSynthesisInputs(f, io);
    const bar = new ProgressBar(io, `synth ${method}`, count);
    const report = await synthesizeSet(items, { out, method, count, seed, size, detector, onProgress: (done) => bar.update(done, 'fakes') });
    reportFaceless('synth', report.faceless, io);
    io.out(`${report.fakes} ${method} fakes from ${report.reals} real faces (${report.faceless.length} without a face skipped); manifest: ${report.manifest}\n`);
    return 0;
  },
};
