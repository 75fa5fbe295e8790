/**
 * `rfm train`: trains a detector on a dataset and reports test metrics of the best model on
 * validation.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backboneFlags, readBackboneFlags } from '../backbone-flags.js';
import { BACKEND_FLAG, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { erasingMethodNames } from '../erasing-methods.js';
import { commandHelp, parseFlags, type Flags, type FlagSpec } from '../flags.js';
import { formatDuration } from '../progress.js';
import { formatReport } from '../report.js';
import { runTraining } from '../run-training.js';
import { PRESETS, readTrainConfig, resizeForCrop, type PresetName, type TrainConfig } from '../train-config.js';

const SEED_MAX = 2 ** 31 - 1;
const SELECT_ON = ['auc', 'ap', 'acc', 'tdr@1e-2', 'tdr@1e-3', 'tdr@1e-4'] as const;

/** `--data`: the dataset. */
export const DATA_FLAG: FlagSpec = { name: 'data', kind: 'string', value: 'DIR', help: 'dataset folder (real/ and fake/ or fake/<technique>/) or CSV manifest' };

/** `--preset` and the backbone flags: what is trained. */
export const MODEL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'preset',
    kind: 'choice',
    value: 'P',
    choices: ['quick', 'paper'],
    help: 'quick (default: small backbone, 128 px, 300 iterations, lr 2e-4, no erasing;\na few minutes on a 2-core CPU) | paper (Xception, 224 px, 350,000 iterations,\nlr 2e-4, validation every 3000, --augment sfe)',
  },
  ...backboneFlags(),
  { name: 'iterations', kind: 'int', value: 'N', min: 1, help: 'training iterations' },
  { name: 'batch', kind: 'int', value: 'N', min: 2, max: 4096, help: 'images per batch, half real and half fake (default 16)' },
  {
    name: 'micro-batch',
    kind: 'string',
    value: 'M',
    help: "images per forward/backward pass: auto (default: the whole batch when the\nstep fits the backend's memory, else the largest share that does; on\nwasm the heap holds 4 GB) or N; gradients of the passes are summed into\none Adam step, and batch norm then normalises with each pass' statistics",
  },
];

/** The schedule, selection, split and data-handling flags. */
export const SCHEDULE_FLAGS: readonly FlagSpec[] = [
  { name: 'lr', kind: 'number', value: 'X', min: 1e-8, max: 1, help: 'Adam learning rate' },
  { name: 'flood', kind: 'number', value: 'B', min: 0, max: 10, help: 'flooding level b of |L-b|+b (default 0.04; 0 disables)' },
  { name: 'eval-every', kind: 'int', value: 'K', min: 1, help: 'validate every K iterations (the best validation model is kept)' },
  { name: 'checkpoint-every', kind: 'int', value: 'K', min: 0, help: 'write a checkpoint every K iterations (default = --eval-every)' },
  { name: 'select-on', kind: 'choice', value: 'M', choices: SELECT_ON, help: `validation metric for model selection: ${SELECT_ON.join(', ')} (default auc)` },
  { name: 'val-fraction', kind: 'number', value: 'F', min: 0.01, max: 0.9, help: 'share of images (by group) for validation', default: 0.15 },
  { name: 'test-fraction', kind: 'number', value: 'F', min: 0.01, max: 0.9, help: 'share of images (by group) for test', default: 0.15 },
  { name: 'seed', kind: 'int', value: 'S', min: 0, max: SEED_MAX, help: 'seed of every random choice in training (default 5, as the official code)' },
  { name: 'split-seed', kind: 'int', value: 'S', min: 0, max: SEED_MAX, help: 'seed of the group-safe train/validation/test split', default: 0 },
  { name: 'skip-bad-images', kind: 'boolean', help: 'skip unreadable images (counted in run.jsonl) instead of failing' },
];

/** Flags of `rfm train`. */
export const TRAIN_FLAGS: readonly FlagSpec[] = [
  DATA_FLAG,
  { name: 'out', kind: 'string', value: 'RUN_DIR', required: true, help: 'run folder (created)' },
  ...MODEL_FLAGS,
  {
    name: 'augment',
    kind: 'list',
    value: 'NAME',
    choices: ['none', ...erasingMethodNames()],
    help: `erasing plugin, repeatable, applied in order: ${erasingMethodNames().join(', ')}; none = no erasing`,
  },
  ...SCHEDULE_FLAGS,
  { name: 'resume', kind: 'boolean', help: 'continue the run in RUN_DIR from its last checkpoint (same config;\n--iterations may extend it)' },
  BACKEND_FLAG,
];

const HELP = commandHelp(
  'Usage: rfm train --data DIR --out RUN_DIR [options]',
  `Trains a fake-face detector with the RFM recipe (balanced 8 real + 8 fake batches, random crop and
flip, normalisation (v/255-0.5)/0.25, cross-entropy with flooding 0.04, Adam) and the chosen erasing
augmentations, selects the best model on the validation split, and reports its metrics on the test
split. Writes RUN_DIR/model (TensorFlow.js format), RUN_DIR/checkpoint, RUN_DIR/run.jsonl,
RUN_DIR/config.json, RUN_DIR/metrics.json, RUN_DIR/test-scores.csv and RUN_DIR/roc.svg.`,
  TRAIN_FLAGS,
  `Ctrl-C stops after the current iteration with a checkpoint; --resume continues.

Examples:
  rfm train --data data/ffhq-stylegan2 --out runs/quick
  rfm train --data data/ffhq-stylegan2 --out runs/sfe --augment sfe --backbone xception --width 0.25 --size 128 --iterations 600
  rfm train --data /datasets/dffd --out runs/paper --preset paper`,
);

/**
 * Builds a run configuration from the training flags (validated by their tables: {@link DATA_FLAG},
 * {@link MODEL_FLAGS}, {@link SCHEDULE_FLAGS}); `--data` is required here.
 *
 * @param f - parsed flags of `train` or `compare`
 * @param augmentFlags - the erasing methods chosen on the command line (none: the preset's)
 */
export function configFromFlags(f: Flags, augmentFlags: readonly string[] = []): TrainConfig {
  const command = f.command;
  const presetName = f.string<PresetName>('preset') ?? 'quick';
  const preset = PRESETS[presetName];
  const data = resolve(f.required('data'));
  if (!existsSync(data)) throw new CliUsageError(`${command}: --data ${data} does not exist`);
  const backbone = readBackboneFlags(f, { backbone: preset.backbone, size: preset.size });
  const augment = augmentFlags.length === 0 ? [...preset.augment] : augmentFlags.filter((a) => a !== 'none');
  if (new Set(augment).size !== augment.length) throw new CliUsageError(`${command}: --augment lists a method twice (${augment.join(', ')})`);
  const batch = f.number('batch') ?? preset.batch;
  if (batch % 2 !== 0) throw new CliUsageError(`${command}: --batch must be even (half real, half fake), got ${batch}`);
  const microFlag = f.string('micro-batch') ?? 'auto';
  if (microFlag !== 'auto' && !(/^[1-9][0-9]*$/.test(microFlag) && Number(microFlag) <= batch)) {
    throw new CliUsageError(`${command}: --micro-batch must be auto or an integer from 1 to --batch (${batch}), got "${microFlag}"`);
  }
  const microBatch = microFlag === 'auto' ? 'auto' : Number(microFlag);
  const evalEvery = f.number('eval-every') ?? preset.evalEvery;
  const validation = f.number('val-fraction')!;
  const test = f.number('test-fraction')!;
  if (validation + test >= 0.95) throw new CliUsageError(`${command}: --val-fraction + --test-fraction must leave images for training, got ${validation} + ${test}`);
  const seed = f.number('seed') ?? 5;
  return {
    data,
    backbone: backbone.name,
    backboneOptions: backbone.options,
    resize: resizeForCrop(backbone.options.inputSize),
    batch,
    augment,
    seed,
    split: { validation, test, seed: f.number('split-seed')! },
    skipBadImages: f.bool('skip-bad-images'),
    trainer: {
      iterations: f.number('iterations') ?? preset.iterations,
      learningRate: f.number('lr') ?? preset.learningRate,
      floodLevel: f.number('flood') ?? 0.04,
      evalEvery,
      checkpointEvery: f.number('checkpoint-every') ?? evalEvery,
      selectOn: f.string<TrainConfig['trainer']['selectOn']>('select-on') ?? 'auc',
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
  flags: TRAIN_FLAGS,
  async run(args, io) {
    const f = parseFlags('train', args, TRAIN_FLAGS);
    const out = resolve(f.required('out'));
    const resume = f.bool('resume');
    let config: TrainConfig;
    if (resume) {
      const saved = readTrainConfig(out);
      const iterations = f.number('iterations');
      config = iterations ? { ...saved, trainer: { ...saved.trainer, iterations } } : saved;
    } else {
      config = configFromFlags(f, f.list('augment'));
      if (existsSync(join(out, 'checkpoint'))) {
        throw new CliUsageError(`train: ${out} already holds a run; pass --resume to continue it or choose another --out`);
      }
    }
    const report = await startBackend(f, io);
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
