/**
 * `rfm train`: trains a detector on a dataset and reports test metrics of the best model on
 * validation.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { choiceFlag, intFlag, listFlag, numberFlag, optionalString, parseCommandArgs, requiredString } from '../args.js';
import { BACKBONE_FLAG_HELP, BACKBONE_FLAG_SPECS, readBackboneFlags } from '../backbone-flags.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { erasingMethodNames } from '../erasing-methods.js';
import { formatDuration } from '../progress.js';
import { formatReport } from '../report.js';
import { runTraining } from '../run-training.js';
import { PRESETS, readTrainConfig, resizeForCrop, type PresetName, type TrainConfig } from '../train-config.js';

const HELP = `Usage: rfm train --data DIR --out RUN_DIR [options]

Trains a fake-face detector with the RFM recipe (balanced 8 real + 8 fake batches, random crop and
flip, normalisation (v/255-0.5)/0.25, cross-entropy with flooding 0.04, Adam) and the chosen erasing
augmentations, selects the best model on the validation split, and reports its metrics on the test
split. Writes RUN_DIR/model (TensorFlow.js format), RUN_DIR/checkpoint, RUN_DIR/run.jsonl,
RUN_DIR/config.json, RUN_DIR/metrics.json, RUN_DIR/test-scores.csv and RUN_DIR/roc.svg.

  --data DIR             dataset folder (real/ and fake/ or fake/<technique>/) or CSV manifest
  --out RUN_DIR          run folder (created)
  --preset P             quick (default: small backbone, 128 px, 300 iterations, lr 2e-4, no erasing;
                         a few minutes on a 2-core CPU) | paper (Xception, 224 px, 350,000 iterations,
                         lr 2e-4, validation every 3000, --augment sfe)
${BACKBONE_FLAG_HELP}
  --iterations N         training iterations
  --batch N              images per batch, half real and half fake (default 16)
  --micro-batch M        images per forward/backward pass: auto (default: the whole batch when the
                         step fits the backend's memory, else the largest share that does; on
                         wasm the heap holds 4 GB) or N; gradients of the passes are summed into
                         one Adam step, and batch norm then normalises with each pass' statistics
  --augment NAME         erasing plugin, repeatable, applied in order: ${erasingMethodNames().join(', ')}; none = no erasing
  --lr X                 Adam learning rate
  --flood B              flooding level b of |L-b|+b (default 0.04; 0 disables)
  --eval-every K         validate every K iterations (the best validation model is kept)
  --checkpoint-every K   write a checkpoint every K iterations (default = --eval-every)
  --select-on M          validation metric for model selection: auc (default), ap, acc, tdr@1e-2...
  --val-fraction F       share of images (by group) for validation (default 0.15)
  --test-fraction F      share of images (by group) for test (default 0.15)
  --seed S               seed of every random choice in training (default 5, as the official code)
  --split-seed S         seed of the group-safe train/validation/test split (default 0)
  --skip-bad-images      skip unreadable images (counted in run.jsonl) instead of failing
  --resume               continue the run in RUN_DIR from its last checkpoint (same config;
                         --iterations may extend it)
${BACKEND_FLAG_HELP}

Ctrl-C stops after the current iteration with a checkpoint; --resume continues.

Examples:
  rfm train --data data/ffhq-stylegan2 --out runs/quick
  rfm train --data data/ffhq-stylegan2 --out runs/sfe --augment sfe --backbone xception --width 0.25 --size 128 --iterations 600
  rfm train --data /datasets/dffd --out runs/paper --preset paper
`;

/** Flags of `rfm train` (also accepted by `rfm compare`). */
export const TRAIN_FLAGS = {
  ...BACKBONE_FLAG_SPECS,
  ...BACKEND_FLAG_SPEC,
  data: { type: 'string' },
  out: { type: 'string' },
  preset: { type: 'string' },
  iterations: { type: 'string' },
  batch: { type: 'string' },
  'micro-batch': { type: 'string' },
  augment: { type: 'string', multiple: true },
  lr: { type: 'string' },
  flood: { type: 'string' },
  'eval-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'select-on': { type: 'string' },
  'val-fraction': { type: 'string' },
  'test-fraction': { type: 'string' },
  seed: { type: 'string' },
  'split-seed': { type: 'string' },
  'skip-bad-images': { type: 'boolean' },
  resume: { type: 'boolean' },
} as const;

/**
 * Builds a run configuration from `rfm train` flags.
 *
 * @param p - parsed arguments
 * @param command - command name for messages
 */
export function configFromFlags(p: ReturnType<typeof parseCommandArgs>, command = 'train'): TrainConfig {
  const presetName = choiceFlag(p, 'preset', command, ['quick', 'paper'] as const) ?? ('quick' as PresetName);
  const preset = PRESETS[presetName];
  const data = resolve(requiredString(p, 'data', command));
  if (!existsSync(data)) throw new CliUsageError(`${command}: --data ${data} does not exist`);
  const backbone = readBackboneFlags(p, command, { backbone: preset.backbone, size: preset.size });
  const augmentFlags = listFlag(p, 'augment');
  const augment = augmentFlags.length === 0 ? [...preset.augment] : augmentFlags.filter((a) => a !== 'none');
  for (const a of augment) {
    if (!erasingMethodNames().includes(a)) throw new CliUsageError(`${command}: --augment must be one of ${erasingMethodNames().join(', ')} or none, got "${a}"`);
  }
  if (new Set(augment).size !== augment.length) throw new CliUsageError(`${command}: --augment lists a method twice (${augment.join(', ')})`);
  const batch = intFlag(p, 'batch', command, 2, 4096) ?? preset.batch;
  if (batch % 2 !== 0) throw new CliUsageError(`${command}: --batch must be even (half real, half fake), got ${batch}`);
  const microFlag = optionalString(p, 'micro-batch');
  const microBatch = microFlag === undefined || microFlag === 'auto' ? 'auto' : intFlag(p, 'micro-batch', command, 1, batch)!;
  const evalEvery = intFlag(p, 'eval-every', command, 1) ?? preset.evalEvery;
  const validation = numberFlag(p, 'val-fraction', command, 0.01, 0.9) ?? 0.15;
  const test = numberFlag(p, 'test-fraction', command, 0.01, 0.9) ?? 0.15;
  if (validation + test >= 0.95) throw new CliUsageError(`${command}: --val-fraction + --test-fraction must leave images for training, got ${validation} + ${test}`);
  const seed = intFlag(p, 'seed', command, 0, 2 ** 31 - 1) ?? 5;
  const selectOn = optionalString(p, 'select-on') ?? 'auc';
  const selectChoices = ['auc', 'ap', 'acc', 'tdr@1e-2', 'tdr@1e-3', 'tdr@1e-4'] as const;
  if (!(selectChoices as readonly string[]).includes(selectOn)) throw new CliUsageError(`${command}: --select-on must be one of ${selectChoices.join(', ')}, got "${selectOn}"`);
  return {
    data,
    backbone: backbone.name,
    backboneOptions: backbone.options,
    resize: resizeForCrop(backbone.options.inputSize),
    batch,
    augment,
    seed,
    split: { validation, test, seed: intFlag(p, 'split-seed', command, 0, 2 ** 31 - 1) ?? 0 },
    skipBadImages: p.values['skip-bad-images'] === true,
    trainer: {
      iterations: intFlag(p, 'iterations', command, 1) ?? preset.iterations,
      learningRate: numberFlag(p, 'lr', command, 1e-8, 1) ?? preset.learningRate,
      floodLevel: numberFlag(p, 'flood', command, 0, 10) ?? 0.04,
      evalEvery,
      checkpointEvery: intFlag(p, 'checkpoint-every', command, 0) ?? evalEvery,
      selectOn: selectOn as TrainConfig['trainer']['selectOn'],
      seed,
      microBatch,
    },
    preset: presetName,
  };
}

/** The `train` command. */
export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a detector (optionally with SFE/PSFE/RE/AE erasing) and report test metrics',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('train', args, TRAIN_FLAGS);
    const out = resolve(requiredString(p, 'out', 'train'));
    const resume = p.values.resume === true;
    let config: TrainConfig;
    if (resume) {
      const saved = readTrainConfig(out);
      const iterations = intFlag(p, 'iterations', 'train', 1);
      config = iterations ? { ...saved, trainer: { ...saved.trainer, iterations } } : saved;
    } else {
      config = configFromFlags(p);
      if (existsSync(join(out, 'checkpoint'))) {
        throw new CliUsageError(`train: ${out} already holds a run; pass --resume to continue it or choose another --out`);
      }
    }
    const report = await startBackend(p, 'train', io);
    const outcome = await runTraining(config, out, io, { resume, backendSummary: report.summary });
    if (!outcome.completed) {
      io.err(`stopped at iteration ${outcome.steps}; continue with: rfm train --out ${out} --resume\n`);
      return;
    }
    const best = outcome.best;
    io.out(
      formatReport(
        outcome.test!,
        `Test split of ${config.data} (best validation ${best?.metric} ${best ? (100 * best.value).toFixed(2) : '?'} at iteration ${best?.step}), percentages:`,
      ),
    );
    io.err(`run written to ${out} (model/, checkpoint/, run.jsonl, metrics.json, test-scores.csv, roc.svg) in ${formatDuration(outcome.ms)}\n`);
  },
};
