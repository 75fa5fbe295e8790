/**
 * `rfm eval`: scores a dataset with a trained run's model and prints the metrics table.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '@rfm/backend';
import { checkOutputDir, createConsoleLogger, predict } from '@rfm/core';
import { datasetHash, loadDataset, type DatasetItem } from '@rfm/data';
import { BACKEND_FLAGS, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { writeEvalReport } from '../html-report/write-report.js';
import { ProgressBar } from '../progress.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';
import { EVAL_SPLITS, selectEvalItems, type EvalSplit } from '../eval-items.js';
import { evalInShards } from '../jobs/sharded-eval.js';
import { evalSourceFor } from '../run-data.js';
import { loadRunModel, readRunConfig } from '../run-model.js';
import { videoEvaluation } from '../run-training.js';
import { writeScoresCsv } from '../scores-file.js';
import { inferenceThreadsSuggestion } from '../thread-suggestions.js';
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
    choices: EVAL_SPLITS,
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
  {
    name: 'shards',
    kind: 'int',
    value: 'K',
    min: 1,
    max: 100_000,
    help: 'score in K jobs split by video (each video\'s frames in one job), on local worker\nprocesses (min(K, CPUs) of them) or, with --queue, on rfm workers anywhere; one\nreducer computes the same metrics as a single process, exactly',
  },
  {
    name: 'queue',
    kind: 'string',
    value: 'URL',
    help: 'redis://HOST:PORT of the workers\' queue (rfm worker --queue URL; needs\n@rfm/queue-bullmq). Workers must see --model, --data and the shard folder',
  },
  { name: 'shard-dir', kind: 'string', value: 'DIR', help: 'where shard score files go (default RUN_DIR/eval-shards; shared by the workers)' },
  ...BACKEND_FLAGS,
];

const HELP = commandHelp(
  'Usage: rfm eval --model RUN_DIR --data DIR [--split S] [--json] [--scores FILE.csv] [--roc FILE] [--report FILE.html] [--shards K [--queue URL]]',
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
    const splitFlag = f.string<EvalSplit>('split');
    const batch = f.number('batch')!;
    const skipBad = f.bool('skip-bad-images');
    const reportPath = f.string('report');
    const scores = f.string('scores');
    const roc = f.string('roc');
    const shards = f.number('shards');
    const queueUrl = f.string('queue');
    if (queueUrl !== undefined && shards === undefined) throw new CliUsageError('eval: --queue needs --shards K (the number of jobs the scoring is split into)');
    for (const file of [scores, roc, reportPath]) if (file !== undefined) checkOutputDir(dirname(resolve(file)));
    let split: EvalSplit;
    let scoredItems: readonly DatasetItem[];
    let predictions: { ids: string[]; labels: number[]; scores: number[]; logitGaps: number[]; techniques: string[] };
    let modelName: string;
    let runDir: string;
    if (shards !== undefined) {
      // Sharded: K jobs (split by video) on worker processes or a Redis queue; this process reduces
      // (and starts a backend only afterwards, for the report's figures).
      const backend = f.string<BackendChoice>('backend') ?? 'auto';
      const r = await evalInShards({ modelDir, data, splitFlag, batch, skipBadImages: skipBad, shards, queueUrl, backend, shardDir: f.string('shard-dir') }, io);
      split = r.split;
      scoredItems = r.scores.map((sc) => r.items[sc.index]!);
      predictions = { ids: r.scores.map((s) => s.id), labels: r.scores.map((s) => s.label), scores: r.scores.map((s) => s.score), logitGaps: r.scores.map((s) => s.logitGap), techniques: r.scores.map((s) => s.technique) };
      const runConfig = readRunConfig(modelDir);
      modelName = runConfig.config?.backbone ?? 'model';
      runDir = runConfig.runDir;
    } else {
      await startBackend(f, io, 'auto', inferenceThreadsSuggestion(readRunConfig(modelDir).config, batch));
      const logger = createConsoleLogger('rfm');
      const run = await loadRunModel(modelDir);
      const inputSize = run.backbone.config.inputSize;
      const dataset = await loadDataset(data, { logger });
      const selected = selectEvalItems(dataset, data, run, splitFlag);
      split = selected.split;
      const items = selected.items;
      const resize = run.config?.resize ?? resizeForCrop(inputSize);
      const source = await evalSourceFor(items, { resize, backboneOptions: { inputSize } }, skipBad, logger);
      io.err(`eval: ${source.size} images (${split === 'all' ? 'whole dataset' : `${split} split of the run`}) with ${run.backbone.config.name} at ${inputSize} px\n`);
      const bar = new ProgressBar(io, 'eval', source.size);
      predictions = await predict(run.backbone, source, batch, (done) => bar.update(done));
      scoredItems = source.items;
      modelName = run.backbone.config.name;
      runDir = run.runDir;
      run.backbone.dispose();
    }
    const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
    const evaluation = evaluateSamples(samples);
    // Video-level results when the data has videos (several frames per group, e.g. from rfm prepare).
    const videoResults = videoEvaluation(samples, predictions.ids, scoredItems);
    if (scores) {
      writeScoresCsv(scores, predictions);
    }
    if (roc) await writeRocChart(samples, roc, `${modelName}: ${data} (${split})`);
    if (f.bool('json')) {
      const video = videoResults ? { video: videoResults } : {};
      io.out(`${JSON.stringify({ split, images: predictions.ids.length, ...evaluation, ...video }, null, 2)}
`);
    } else {
      io.out(formatReport(evaluation, `${data} (${split}, ${predictions.ids.length} ${videoResults ? 'frames' : 'images'}), percentages:`));
      if (videoResults) {
        io.out(`
${formatReport(videoResults, `video level (${videoResults.videos} videos and photos; video score = mean of its frame scores), percentages:`)}`);
      }
    }
    if (shards !== undefined) await startBackend(f, io);
    // The report shows and hashes the images that were scored (unreadable ones skipped with --skip-bad-images).
    const reportInput = { runDir, data, split, items: scoredItems, samples, backend: tf.getBackend(), versions: versions(), dataHash: await datasetHash(scoredItems) };
    await writeEvalReport(reportInput, reportPath ?? join(runDir, 'eval-report.html'), io);
  },
};
