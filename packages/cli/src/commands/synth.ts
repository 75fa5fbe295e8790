/**
 * `rfm synth`: forgeries made from real faces (self-blended or blended between people), written
 * with their masks and a manifest.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { loadDataset } from '@rfm/data';
import { FaceDetector } from '@rfm/faces';
import { SYNTH_METHODS, synthesizeSet } from '@rfm/synth';
import { choiceFlag, intFlag, parseCommandArgs, requiredString } from '../args.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { ProgressBar } from '../progress.js';

const HELP = `Usage: rfm synth --data DIR --out DIR --method sbi|blend --count N [--seed S] [--size 256]

Makes fakes from the real faces of a dataset, for inspection and for fixed test sets. Landmarks
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
group, so rfm eval does not take a real and its fake for one video; rfm train and rfm eval read it) and DIR/synth.json (every fake's parameters). DIR
must not exist or be empty; it appears only when complete.

  --data DIR      dataset folder, CSV manifest or DeepfakeBench .json (its reals are used; a
                  folder of reals only needs an empty fake/ beside real/; for blend, groups are
                  identities, else each image is its own)
  --out DIR       output folder
  --method M      sbi | blend
  --count N       number of fakes (targets cycle through the reals in a seeded order)
  --seed S        seed of every random choice (default 0)
  --size N        working and output side in pixels (default 256)
${BACKEND_FLAG_HELP}
Example:
  rfm synth --data data/ffhq-stylegan2 --out synth/sbi --method sbi --count 20 --seed 1
`;

/** The `synth` command. */
export const synthCommand: CliCommand = {
  name: 'synth',
  summary: 'make self-blended (sbi) or two-person blended fakes from real faces, with masks and a manifest',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('synth', args, {
      ...BACKEND_FLAG_SPEC,
      data: { type: 'string' },
      out: { type: 'string' },
      method: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
    });
    const data = resolve(requiredString(p, 'data', 'synth'));
    const out = resolve(requiredString(p, 'out', 'synth'));
    const method = choiceFlag(p, 'method', 'synth', SYNTH_METHODS);
    if (!method) throw new CliUsageError(`synth: --method is required (${SYNTH_METHODS.join(' or ')})`);
    const count = intFlag(p, 'count', 'synth', 1, 1_000_000);
    if (count === undefined) throw new CliUsageError('synth: --count is required (number of fakes)');
    const seed = intFlag(p, 'seed', 'synth', 0, 2 ** 31 - 1) ?? 0;
    const size = intFlag(p, 'size', 'synth', 32, 2048) ?? 256;
    await startBackend(p, 'synth', io);
    const dataset = await loadDataset(data);
    const detector = await FaceDetector.create();
    const bar = new ProgressBar(io, `synth ${method}`, count);
    const report = await synthesizeSet(dataset.items, { out, method, count, seed, size, detector, onProgress: (done) => bar.update(done, 'fakes') });
    for (const f of report.faceless) io.err(`synth: skipped ${f.id}: ${f.reason}\n`);
    io.out(`${report.fakes} ${method} fakes from ${report.reals} real faces (${report.faceless.length} without a face skipped); manifest: ${report.manifest}\n`);
    return 0;
  },
};
