/**
 * `rfm train`: trains a detector on a dataset and reports test metrics of the best model on
 * validation.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { backboneFlags, readBackboneFlags } from '../backbone-flags.js';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { erasingMethodNames } from '../erasing-methods.js';
import { commandHelp, Flags, parseFlags, type FlagSpec } from '../flags.js';
import { formatDuration } from '../progress.js';
import { writeTrainReport } from '../html-report/write-report.js';
import { formatReport } from '../report.js';
import { recoverRunDir } from '../run-folder.js';
import { refuseExistingRun, runTraining } from '../run-training.js';
import { modelThreadsSuggestion } from '../thread-suggestions.js';
import { PRESETS, readTrainConfig, resizeForCrop, type PresetName, type TrainConfig } from '../train-config.js';

const SEED_MAX = 2 ** 31 - 1;
const SELECT_ON = ['auc', 'ap', 'acc', 'tdr@1e-2', 'tdr@1e-3', 'tdr@1e-4'] as const;

/** `--data`: the dataset. */
export const DATA_FLAG: FlagSpec = { name: 'data', kind: 'string', value: 'DIR', help: 'dataset folder (real/ and fake/ or fake/<technique>/), CSV manifest (e.g.\nDIR/manifest.csv of rfm prepare) or DeepfakeBench dataset .json' };

/** `--preset` and the backbone flags: what is trained. */
export const MODEL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'preset',
    kind: 'choice',
    value: 'P',
    choices: ['quick', 'paper'],
    help: 'quick (default: small backbone with 4 separable blocks, images resized to 96 px\nwithout a crop (--size other than 96 resizes to 256/224 of it and crops), 600 iterations,\nlr 2e-3, validation every 200, no erasing, one TensorFlow thread on tensorflow; under\n4 minutes on a 2-core CPU with wasm, tuned on data/ffhq-tpdne-4k) | paper (Xception, 224 px crops of 256 px,\n350,000 iterations, lr 2e-4, validation every 3000, --augment sfe)',
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
  {
    name: 'fakes',
    kind: 'choice',
    value: 'SRC',
    choices: ['sbi'],
    help: "sbi: train on real faces alone: each real is paired with a self-blended fake\n(SBI, @rfm/synth) made on the fly; the dataset's training and validation\nfakes are not used (validation: fixed SBI fakes of the validation reals),\nits test fakes are still scored; run.jsonl records the synthesis\nparameters of every 10th batch (--sbi-log-every); reals without a\ndetected face are skipped",
  },
  {
    name: 'sbi-log-every',
    kind: 'int',
    value: 'K',
    min: 1,
    help: 'with --fakes sbi: record every image\'s synthesis parameters in run.jsonl for\nbatches 0, K, 2K... (default 10, about 0.6 KB per batch; 1 = every batch, about\n6 KB per batch of 16; every fake is reproducible from --seed anyway)',
  },
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
  {
    name: 'resume',
    kind: 'boolean',
    help: 'continue the run in RUN_DIR from its last checkpoint with its saved\nsettings; only --iterations (upwards) and --backend may be given\nbesides, any other flag that differs from the run is refused',
  },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm train --data DIR --out RUN_DIR [options]',
  `Trains a fake-face detector with the RFM recipe (balanced 8 real + 8 fake batches, random crop and
flip, normalisation (v/255-0.5)/0.25, cross-entropy with flooding 0.04, Adam) and the chosen erasing
augmentations, selects the best model on the validation split, and reports its metrics on the test
split. Writes RUN_DIR/model (TensorFlow.js format), RUN_DIR/checkpoint, RUN_DIR/run.jsonl,
RUN_DIR/config.json, RUN_DIR/metrics.json, RUN_DIR/test-scores.csv, RUN_DIR/roc.svg and
RUN_DIR/report.html (one self-contained page: metrics, ROC, score histograms, average attention
maps, erasing examples, config and versions).`,
  TRAIN_FLAGS,
  `A fresh run refuses an --out folder that already holds a run, and writes nothing there until the
data (both classes in every split, after --skip-bad-images) and the backbone are checked.

Signals and exit codes:
  Ctrl-C (SIGINT) or SIGTERM   finish the current iteration, write a checkpoint, print how to
                               resume, exit 130 (SIGINT) or 143 (SIGTERM); works under pnpm too
  a second Ctrl-C or SIGTERM   exit at once (130 or 143); the previous checkpoint stays intact
  SIGKILL, power loss          the last checkpoint stays intact (atomic writes); --resume continues
  exit 0 done, 1 failure (one-line reason), 2 bad arguments

Examples:
  rfm train --data data/ffhq-tpdne-4k --out runs/quick
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
  if (f.has('sbi-log-every') && f.string('fakes') !== 'sbi') throw new CliUsageError(`${command}: --sbi-log-every needs --fakes sbi (it samples the log of self-blended fakes)`);
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
    backboneOptions: backbone.name === preset.backbone ? { ...preset.backboneOptions, ...backbone.options } : backbone.options,
    resize: backbone.options.inputSize === preset.size ? preset.resize : resizeForCrop(backbone.options.inputSize),
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
    ...(f.string('fakes') === 'sbi' ? { fakes: 'sbi' as const } : {}),
    ...(f.number('sbi-log-every') !== undefined ? { synthesisLogEvery: f.number('sbi-log-every')! } : {}),
  };
}

/** Flags that `--resume` accepts besides `--out`: everything else is fixed by the saved run. */
const RESUME_FREE_FLAGS = new Set(['out', 'resume', 'iterations', 'backend', 'help']);

/** Where each flag lands in a {@link TrainConfig} (dotted paths), for the `--resume` conflict check. */
const FLAG_CONFIG_PATHS: Readonly<Record<string, readonly string[]>> = {
  data: ['data'],
  preset: ['preset'],
  backbone: ['backbone'],
  size: ['backboneOptions.inputSize'],
  width: ['backboneOptions.widthMultiplier'],
  cut: ['backboneOptions.cut'],
  'patch-score': ['backboneOptions.patchScore'],
  batch: ['batch'],
  augment: ['augment'],
  lr: ['trainer.learningRate'],
  flood: ['trainer.floodLevel'],
  'eval-every': ['trainer.evalEvery'],
  'checkpoint-every': ['trainer.checkpointEvery'],
  'select-on': ['trainer.selectOn'],
  'val-fraction': ['split.validation'],
  'test-fraction': ['split.test'],
  seed: ['seed', 'trainer.seed'],
  'split-seed': ['split.seed'],
  'skip-bad-images': ['skipBadImages'],
  'micro-batch': ['trainer.microBatch'],
  fakes: ['fakes'],
  'sbi-log-every': ['synthesisLogEvery'],
};

function valueAt(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), config);
}

/**
 * The configuration a `--resume` continues: the saved one, with `--iterations` raised if asked.
 * Any other flag must agree with the saved run; a conflicting one is refused by name.
 *
 * @param f - parsed flags
 * @param saved - `RUN_DIR/config.json`
 * @param out - the run folder, for messages
 * @throws {@link CliUsageError} naming every conflicting flag
 */
export function resumeConfig(f: Flags, saved: TrainConfig, out: string): TrainConfig {
  const given = f.specs.filter((spec) => f.has(spec.name) && !RESUME_FREE_FLAGS.has(spec.name));
  if (given.length > 0) {
    // The flags as given, on top of the run's data, preset and backbone: the configuration they ask for.
    const values = new Map<string, string | number | boolean | string[]>([
      ['data', saved.data],
      ['preset', saved.preset],
      ['backbone', saved.backbone],
    ]);
    for (const spec of given) {
      const v = spec.kind === 'boolean' ? f.bool(spec.name) : spec.kind === 'list' ? f.list(spec.name) : spec.kind === 'int' || spec.kind === 'number' ? f.number(spec.name) : f.string(spec.name);
      if (v !== undefined) values.set(spec.name, v);
    }
    const asked = new Flags(f.command, f.specs, values, []);
    const wanted = configFromFlags(asked, asked.list('augment'));
    const conflicts = given.map((spec) => spec.name).filter((flag) => {
      const paths = FLAG_CONFIG_PATHS[flag];
      if (!paths) return true;
      return paths.some((path) => JSON.stringify(valueAt(wanted, path)) !== JSON.stringify(valueAt(saved, path)));
    });
    if (conflicts.length > 0) {
      const shown = conflicts.map((flag) => `--${flag}${FLAG_CONFIG_PATHS[flag] ? ` (run: ${FLAG_CONFIG_PATHS[flag]!.map((path) => JSON.stringify(valueAt(saved, path)) ?? 'unset').join(', ')})` : ''}`);
      throw new CliUsageError(
        `train: --resume continues the run in ${out} with its saved settings; ${shown.join(', ')} would change it. ` +
          'Drop these flags (only --iterations upwards and --backend may change), or start a new run with another --out',
      );
    }
  }
  const iterations = f.has('iterations') ? f.number('iterations') : undefined;
  if (iterations === undefined) return saved;
  if (iterations < saved.trainer.iterations) {
    throw new CliUsageError(`train: --iterations ${iterations} is below the run's ${saved.trainer.iterations}; --resume may only extend a run`);
  }
  return { ...saved, trainer: { ...saved.trainer, iterations } };
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
      if (existsSync(out)) recoverRunDir(out);
      config = resumeConfig(f, readTrainConfig(out), out);
    } else {
      config = configFromFlags(f, f.list('augment'));
      refuseExistingRun(out);
    }
    const report = await startBackend(f, io, 'auto', modelThreadsSuggestion(config));
    const outcome = await runTraining(config, out, io, { resume, backendSummary: report.summary });
    if (!outcome.completed) {
      io.err(`stopped at iteration ${outcome.steps} with a checkpoint; continue with: rfm train --out ${out} --resume\n`);
      return outcome.exitCode;
    }
    const best = outcome.best;
    io.out(
      formatReport(
        outcome.test!,
        `Test split of ${config.data} (best validation ${best?.metric} ${best ? (100 * best.value).toFixed(2) : '?'} at iteration ${best?.step}), percentages:`,
      ),
    );
    if (outcome.testVideos) {
      io.out(`\n${formatReport(outcome.testVideos, `video level (${outcome.testVideos.videos} test videos and photos; video score = mean of its frame scores), percentages:`)}`);
    }
    io.err(`run written to ${out} (model/, checkpoint/, run.jsonl, metrics.json, test-scores.csv, roc.svg) in ${formatDuration(outcome.ms)}\n`);
    await writeTrainReport(out, io);
  },
};
