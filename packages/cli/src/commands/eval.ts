/**
 * `rfm eval`: scores a dataset with a trained run's model and prints the metrics table.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { checkOutputDir, createConsoleLogger, predict } from '@rfm/core';
import { datasetHash, loadDataset, splitDataset, type DatasetItem } from '@rfm/data';
import { BACKEND_FLAG, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { writeEvalReport } from '../html-report/write-report.js';
import { ProgressBar } from '../progress.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';
import { evalSourceFor } from '../run-data.js';
import { loadRunModel } from '../run-model.js';
import { videoEvaluation } from '../run-training.js';
import { writeScoresCsv } from '../scores-file.js';
import { resizeForCrop } from '../train-config.js';
import { versions } from '../versions.js';
import { ROC_FLAG } from './metrics.js';

/** Flags of `rfm eval`. */
export const EVAL_FLAGS: readonly FlagSpec[] = [
  { name: 'model', kind: 'string', value: 'RUN_DIR', required: true, help: 'folder written by rfm train (or its model/ folder)' },
  { name: 'data', kind: 'string', value: 'DIR', required: true, help: 'dataset folder (real/ and fake/ or fake/<technique>/), CSV manifest (e.g.\nDIR/manifest.csv of rfm prepare) or DeepfakeBench dataset .json' },
  {
    name: 'split',
    kind: 'choice',
    value: 'S',
    choices: ['all', 'train', 'validation', 'test'],
    help: 'all | train | validation | test. Default: test when DIR is the run\'s training\ndata (same split seed and fractions as the run), all otherwise',
  },
  { name: 'json', kind: 'boolean', help: 'print the report as JSON' },
  {
    name: 'scores',
    kind: 'string',
    value: 'FILE',
    help: "also write per-image scores as CSV (id,label,score,logit_gap,technique; RFC 4180\nquoting, text cells starting with = + - @ get a leading ', which rfm metrics removes)",
  },
  ROC_FLAG,
  {
    name: 'report',
    kind: 'string',
    value: 'FILE',
    extensions: ['.html'],
    help: 'where to write the HTML report (metrics, ROC, score histograms, average attention\nmaps, erasing examples, versions; default RUN_DIR/eval-report.html)',
  },
  { name: 'batch', kind: 'int', value: 'N', min: 1, max: 4096, help: 'images per forward pass', default: 32 },
  { name: 'skip-bad-images', kind: 'boolean', help: 'skip unreadable images instead of failing' },
  BACKEND_FLAG,
];

const HELP = commandHelp(
  'Usage: rfm eval --model RUN_DIR --data DIR [--split S] [--json] [--scores FILE.csv] [--roc FILE] [--report FILE.html]',
  `Scores every image of a dataset with the best model of a run (inference mode, centre crop, the run's
resize and normalisation) and prints AUC, TDR at FDR 1e-2/1e-3/1e-4, EER, AP and ACC overall and per
fake technique with their mean. The score is P(fake). When the data has videos (a manifest whose
group column gives several frames the same video, as rfm prepare writes), a second table gives the
video-level results: a video's score is the mean of its frames' scores, its label its frames' label
(a video whose frames disagree on the label is an error naming it).`,
  EVAL_FLAGS,
);

/** The `eval` command. */
export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'score a dataset with a trained model and print the metrics table',
  help: HELP,
  flags: EVAL_FLAGS,
  async run(args, io) {
    const f = parseFlags('eval', args, EVAL_FLAGS);
    const modelDir = f.required('model');
    const data = resolve(f.required('data'));
    if (!existsSync(data)) throw new CliUsageError(`eval: --data ${data} does not exist`);
    const splitFlag = f.string<'all' | 'train' | 'validation' | 'test'>('split');
    const batch = f.number('batch')!;
    const reportPath = f.string('report');
    const scores = f.string('scores');
    const roc = f.string('roc');
    for (const file of [scores, roc, reportPath]) if (file !== undefined) checkOutputDir(dirname(resolve(file)));
    await startBackend(f, io);
    const logger = createConsoleLogger('rfm');
    const run = await loadRunModel(modelDir);
    const inputSize = run.backbone.config.inputSize;
    const dataset = await loadDataset(data, { logger });
    const sameData = run.config !== undefined && resolve(run.config.data) === data;
    const split = splitFlag ?? (sameData ? 'test' : 'all');
    let items: readonly DatasetItem[] = dataset.items;
    if (split !== 'all') {
      if (!run.config) throw new CliUsageError(`eval: --split ${split} needs ${run.runDir}/config.json (the run's split settings)`);
      const c = run.config;
      const splits = splitDataset(dataset, {
        seed: c.split.seed,
        fractions: { train: 1 - c.split.validation - c.split.test, validation: c.split.validation, test: c.split.test },
      });
      items = splits[split];
    }
    const resize = run.config?.resize ?? resizeForCrop(inputSize);
    const source = await evalSourceFor(items, { resize, backboneOptions: { inputSize } }, f.bool('skip-bad-images'), logger);
    io.err(`eval: ${source.size} images (${split === 'all' ? 'whole dataset' : `${split} split of the run`}) with ${run.backbone.config.name} at ${inputSize} px\n`);
    const bar = new ProgressBar(io, 'eval', source.size);
    const predictions = await predict(run.backbone, source, batch, (done) => bar.update(done));
    run.backbone.dispose();
    const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
    const evaluation = evaluateSamples(samples);
    // Video-level results when the data has videos (several frames per group, e.g. from rfm prepare).
    const videoResults = videoEvaluation(samples, predictions.ids, source.items);
    if (scores) {
      writeScoresCsv(scores, predictions);
    }
    if (roc) await writeRocChart(samples, roc, `${run.backbone.config.name}: ${data} (${split})`);
    if (f.bool('json')) {
      const video = videoResults ? { video: videoResults } : {};
      io.out(`${JSON.stringify({ split, images: source.size, ...evaluation, ...video }, null, 2)}
`);
    } else {
      io.out(formatReport(evaluation, `${data} (${split}, ${source.size} ${videoResults ? 'frames' : 'images'}), percentages:`));
      if (videoResults) {
        io.out(`
${formatReport(videoResults, `video level (${videoResults.videos} videos and photos; video score = mean of its frame scores), percentages:`)}`);
      }
    }
    // The report shows and hashes the images that were scored (unreadable ones skipped with --skip-bad-images).
    const reportInput = { runDir: run.runDir, data, split, items: source.items, samples, backend: tf.getBackend(), versions: versions(), dataHash: await datasetHash(source.items) };
    await writeEvalReport(reportInput, reportPath ?? join(run.runDir, 'eval-report.html'), io);
  },
};
