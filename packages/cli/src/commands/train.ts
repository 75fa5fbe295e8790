/**
 * `rfm train`: trains a detector on a dataset and reports test metrics of the best model on
 * validation.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  createConsoleLogger,
  createRng,
  createRunContainer,
  FileRunLog,
  loadBackbone,
  predict,
  registerAugmentation,
  Trainer,
  writeFileAtomic,
} from '@rfm/core';
import { createBackbone, registerModelLayers } from '@rfm/models';
import { choiceFlag, intFlag, listFlag, numberFlag, optionalString, parseCommandArgs, requiredString } from '../args.js';
import { BACKBONE_FLAG_HELP, BACKBONE_FLAG_SPECS, readBackboneFlags } from '../backbone-flags.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { createErasing, erasingMethodNames } from '../erasing-methods.js';
import { formatDuration, ProgressBar } from '../progress.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';
import { describeSplits, prepareRunData } from '../run-data.js';
import { PRESETS, readTrainConfig, resizeForCrop, writeTrainConfig, type PresetName, type TrainConfig } from '../train-config.js';
import { versions } from '../versions.js';

const HELP = `Usage: rfm train --data DIR --out RUN_DIR [options]

Trains a fake-face detector with the RFM recipe (balanced 8 real + 8 fake batches, random crop and
flip, normalisation (v/255-0.5)/0.25, cross-entropy with flooding 0.04, Adam) and the chosen erasing
augmentations, selects the best model on the validation split, and reports its metrics on the test
split. Writes RUN_DIR/model (TensorFlow.js format), RUN_DIR/checkpoint, RUN_DIR/run.jsonl,
RUN_DIR/config.json, RUN_DIR/metrics.json, RUN_DIR/test-scores.csv and RUN_DIR/roc.svg.

  --data DIR             dataset folder (real/ and fake/ or fake/<technique>/) or CSV manifest
  --out RUN_DIR          run folder (created)
  --preset P             quick (default: small backbone, 128 px, 300 iterations, lr 1e-3, no erasing;
                         a few minutes on a 2-core CPU) | paper (Xception, 224 px, 350,000 iterations,
                         lr 2e-4, validation every 3000, --augment sfe)
${BACKBONE_FLAG_HELP}
  --iterations N         training iterations
  --batch N              images per batch, half real and half fake (default 16)
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

const FLAGS = {
  ...BACKBONE_FLAG_SPECS,
  ...BACKEND_FLAG_SPEC,
  data: { type: 'string' },
  out: { type: 'string' },
  preset: { type: 'string' },
  iterations: { type: 'string' },
  batch: { type: 'string' },
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

/** Builds the run configuration from flags (a fresh run). */
function configFromFlags(p: ReturnType<typeof parseCommandArgs>): TrainConfig {
  const presetName = choiceFlag(p, 'preset', 'train', ['quick', 'paper'] as const) ?? ('quick' as PresetName);
  const preset = PRESETS[presetName];
  const data = resolve(requiredString(p, 'data', 'train'));
  if (!existsSync(data)) throw new CliUsageError(`train: --data ${data} does not exist`);
  const backbone = readBackboneFlags(p, 'train', { backbone: preset.backbone, size: preset.size });
  const augmentFlags = listFlag(p, 'augment');
  const augment = augmentFlags.length === 0 ? [...preset.augment] : augmentFlags.filter((a) => a !== 'none');
  for (const a of augment) {
    if (!erasingMethodNames().includes(a)) throw new CliUsageError(`train: --augment must be one of ${erasingMethodNames().join(', ')} or none, got "${a}"`);
  }
  if (new Set(augment).size !== augment.length) throw new CliUsageError(`train: --augment lists a method twice (${augment.join(', ')})`);
  const batch = intFlag(p, 'batch', 'train', 2, 4096) ?? preset.batch;
  if (batch % 2 !== 0) throw new CliUsageError(`train: --batch must be even (half real, half fake), got ${batch}`);
  const evalEvery = intFlag(p, 'eval-every', 'train', 1) ?? preset.evalEvery;
  const validation = numberFlag(p, 'val-fraction', 'train', 0.01, 0.9) ?? 0.15;
  const test = numberFlag(p, 'test-fraction', 'train', 0.01, 0.9) ?? 0.15;
  if (validation + test >= 0.95) throw new CliUsageError(`train: --val-fraction + --test-fraction must leave images for training, got ${validation} + ${test}`);
  const seed = intFlag(p, 'seed', 'train', 0, 2 ** 31 - 1) ?? 5;
  const selectOn = optionalString(p, 'select-on') ?? 'auc';
  const selectChoices = ['auc', 'ap', 'acc', 'tdr@1e-2', 'tdr@1e-3', 'tdr@1e-4'] as const;
  if (!(selectChoices as readonly string[]).includes(selectOn)) throw new CliUsageError(`train: --select-on must be one of ${selectChoices.join(', ')}, got "${selectOn}"`);
  return {
    data,
    backbone: backbone.name,
    backboneOptions: backbone.options,
    resize: resizeForCrop(backbone.options.inputSize),
    batch,
    augment,
    seed,
    split: { validation, test, seed: intFlag(p, 'split-seed', 'train', 0, 2 ** 31 - 1) ?? 0 },
    skipBadImages: p.values['skip-bad-images'] === true,
    trainer: {
      iterations: intFlag(p, 'iterations', 'train', 1) ?? preset.iterations,
      learningRate: numberFlag(p, 'lr', 'train', 1e-8, 1) ?? preset.learningRate,
      floodLevel: numberFlag(p, 'flood', 'train', 0, 10) ?? 0.04,
      evalEvery,
      checkpointEvery: intFlag(p, 'checkpoint-every', 'train', 0) ?? evalEvery,
      selectOn: selectOn as TrainConfig['trainer']['selectOn'],
      seed,
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
    const p = parseCommandArgs('train', args, FLAGS);
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
    mkdirSync(out, { recursive: true });
    const logger = createConsoleLogger('rfm');
    const report = await startBackend(p, 'train', io);
    writeTrainConfig(out, config);

    const rng = createRng(config.seed);
    const modelRng = rng.fork();
    const dataRng = rng.fork();
    const runRng = rng.fork();
    const data = await prepareRunData(config, dataRng, logger);
    const splitCounts = describeSplits(data.splits);
    io.err(
      `data: ${data.dataset.items.length} images from ${config.data}; ` +
        `train ${splitCounts.train.real}+${splitCounts.train.fake}, validation ${splitCounts.validation.real}+${splitCounts.validation.fake}, ` +
        `test ${splitCounts.test.real}+${splitCounts.test.fake} (real+fake)${data.skipped.length ? `; skipped ${data.skipped.length} unreadable files` : ''}\n`,
    );
    const backbone = createBackbone(config.backbone, config.backboneOptions, modelRng);
    const runLog = new FileRunLog(join(out, 'run.jsonl'));
    if (!resume) {
      runLog.write({
        type: 'config',
        config,
        seed: config.seed,
        versions: versions(),
        backend: report.backend,
        backendSummary: report.summary,
        dataset: { source: data.dataset.source, hash: data.hash, items: data.dataset.items.length, splits: splitCounts, skipped: data.skipped },
      });
    }
    const container = createRunContainer({
      backbone,
      batches: data.train,
      validation: data.validation,
      rng: runRng,
      options: config.trainer,
      logger: { ...logger, info: () => {} },
      runLog,
      runDir: out,
    });
    for (const name of config.augment) registerAugmentation(container, createErasing(name, { inputSize: config.backboneOptions.inputSize }), name);
    const trainer = container.resolve(Trainer);
    io.err(
      `train: ${config.backbone} ${JSON.stringify(config.backboneOptions)}, ${backbone.countParams().trainable.toLocaleString('en-US')} trainable parameters, ` +
        `${config.trainer.iterations} iterations of ${config.batch} images, augment: ${config.augment.join(' → ') || 'none'}, seed ${config.seed}\n`,
    );

    const abort = new AbortController();
    const onSigint = () => {
      io.err('\ninterrupt: finishing the current iteration and writing a checkpoint (Ctrl-C again to kill)\n');
      abort.abort();
      process.off('SIGINT', onSigint);
    };
    process.on('SIGINT', onSigint);
    const bar = new ProgressBar(io, 'train', config.trainer.iterations);
    let lastEval = '';
    let result;
    try {
      result = await trainer.run({
        resume,
        signal: abort.signal,
        onProgress: (pr) => bar.update(pr.step, `loss ${pr.loss.toFixed(4)}${lastEval}`, pr.etaMs),
        onEvaluation: (e) => {
          lastEval = ` val AUC ${(100 * e.metrics.auc).toFixed(2)}${e.best ? '*' : ''}`;
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    backbone.dispose();
    if (result.interrupted) {
      bar.interrupt();
      io.err(`stopped at iteration ${result.steps}; continue with: rfm train --out ${out} --resume\n`);
      return;
    }

    registerModelLayers();
    const best = await loadBackbone(join(out, 'model'));
    const started = performance.now();
    const predictions = await predict(best, data.test, 32);
    best.dispose();
    const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
    const evaluation = evaluateSamples(samples);
    writeFileAtomic(
      join(out, 'test-scores.csv'),
      `id,label,score,logit_gap,technique\n${predictions.ids.map((id, i) => `${id},${predictions.labels[i]},${predictions.scores[i]},${predictions.logitGaps[i]},${predictions.techniques[i]}`).join('\n')}\n`,
    );
    await writeRocChart(samples, join(out, 'roc.svg'), `${config.backbone}, augment ${config.augment.join('+') || 'none'}: test split`);
    const metrics = {
      best: result.best,
      validation: result.evaluations.find((e) => e.step === result.best?.step)?.metrics ?? null,
      test: evaluation,
      backend: tf.getBackend(),
      iterations: result.steps,
    };
    writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    runLog.write({ type: 'test', metrics: evaluation, ms: performance.now() - started });
    io.out(
      formatReport(
        evaluation,
        `Test split of ${config.data} (best validation ${result.best?.metric} ${result.best ? (100 * result.best.value).toFixed(2) : '?'} at iteration ${result.best?.step}), percentages:`,
      ),
    );
    io.err(`run written to ${out} (model/, checkpoint/, run.jsonl, metrics.json, test-scores.csv, roc.svg) in ${formatDuration(performance.now())}\n`);
  },
};
