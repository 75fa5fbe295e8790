/**
 * `rfm eval`: scores a dataset with a trained run's model and prints the metrics table.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createConsoleLogger, predict, writeFileAtomic } from '@rfm/core';
import { BACKEND_CHOICES } from '@rfm/backend';
import { loadDataset, type DatasetItem } from '@rfm/data';
import { choiceFlag, intFlag, optionalString, parseCommandArgs, requiredString } from '../args.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { ProgressBar } from '../progress.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';
import { EVAL_SPLITS, selectEvalItems, type EvalSplit } from '../eval-items.js';
import { evalInShards } from '../jobs/sharded-eval.js';
import { evalSourceFor } from '../run-data.js';
import { loadRunModel, readRunConfig } from '../run-model.js';
import { videoEvaluation } from '../run-training.js';
import { resizeForCrop } from '../train-config.js';

const HELP = `Usage: rfm eval --model RUN_DIR --data DIR [--split S] [--json] [--scores FILE.csv] [--roc FILE] [--shards K [--queue URL]]

Scores every image of a dataset with the best model of a run (inference mode, centre crop, the run's
resize and normalisation) and prints AUC, TDR at FDR 1e-2/1e-3/1e-4, EER, AP and ACC overall and per
fake technique with their mean. The score is P(fake). When the data has videos (a manifest whose
group column gives several frames the same video, as rfm prepare writes), a second table gives the
video-level results: a video's score is the mean of its frames' scores, its label its frames' label
(a video whose frames disagree on the label is an error naming it).

  --model RUN_DIR   folder written by rfm train (or its model/ folder)
  --data DIR        dataset folder (real/ and fake/ or fake/<technique>/), CSV manifest (e.g.
                    DIR/manifest.csv of rfm prepare) or DeepfakeBench dataset .json
  --split S         all | train | validation | test. Default: test when DIR is the run's training
                    data (same split seed and fractions as the run), all otherwise
  --json            print the report as JSON
  --scores FILE     also write per-image scores as CSV (id,label,score,logit_gap,technique)
  --roc FILE        also draw the ROC curves (.svg or .png)
  --batch N         images per forward pass (default 32)
  --skip-bad-images skip unreadable images instead of failing
  --shards K        score in K jobs split by video (each video's frames in one job), on local worker
                    processes (min(K, CPUs) of them) or, with --queue, on rfm workers anywhere; one
                    reducer computes the same metrics as a single process, exactly
  --queue URL       redis://HOST:PORT of the workers' queue (rfm worker --queue URL; needs
                    @rfm/queue-bullmq). Workers must see --model, --data and the shard folder
  --shard-dir DIR   where shard score files go (default RUN_DIR/eval-shards; shared by the workers)
${BACKEND_FLAG_HELP}
`;

/** The `eval` command. */
export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'score a dataset with a trained model and print the metrics table',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('eval', args, {
      ...BACKEND_FLAG_SPEC,
      model: { type: 'string' },
      data: { type: 'string' },
      split: { type: 'string' },
      json: { type: 'boolean' },
      scores: { type: 'string' },
      roc: { type: 'string' },
      batch: { type: 'string' },
      'skip-bad-images': { type: 'boolean' },
      shards: { type: 'string' },
      queue: { type: 'string' },
      'shard-dir': { type: 'string' },
    });
    const modelDir = requiredString(p, 'model', 'eval');
    const data = resolve(requiredString(p, 'data', 'eval'));
    if (!existsSync(data)) throw new CliUsageError(`eval: --data ${data} does not exist`);
    const splitFlag = choiceFlag(p, 'split', 'eval', EVAL_SPLITS);
    const batch = intFlag(p, 'batch', 'eval', 1, 4096) ?? 32;
    const skipBad = p.values['skip-bad-images'] === true;
    const shards = intFlag(p, 'shards', 'eval', 1, 100_000);
    const queueUrl = optionalString(p, 'queue');
    if (queueUrl !== undefined && shards === undefined) throw new CliUsageError('eval: --queue needs --shards K (the number of jobs the scoring is split into)');
    let split: EvalSplit;
    let scoredItems: readonly DatasetItem[];
    let predictions: { ids: readonly string[]; labels: readonly number[]; scores: readonly number[]; logitGaps: readonly number[]; techniques: readonly string[] };
    let modelName: string;
    if (shards !== undefined) {
      // Sharded: K jobs (split by video) on worker processes or a Redis queue; this process only reduces.
      const backend = choiceFlag(p, 'backend', 'eval', BACKEND_CHOICES) ?? 'auto';
      const r = await evalInShards({ modelDir, data, splitFlag, batch, skipBadImages: skipBad, shards, queueUrl, backend, shardDir: optionalString(p, 'shard-dir') }, io);
      split = r.split;
      scoredItems = r.items;
      predictions = { ids: r.scores.map((s) => s.id), labels: r.scores.map((s) => s.label), scores: r.scores.map((s) => s.score), logitGaps: r.scores.map((s) => s.logitGap), techniques: r.scores.map((s) => s.technique) };
      modelName = readRunConfig(modelDir).config?.backbone ?? 'model';
    } else {
      await startBackend(p, 'eval', io);
      const logger = createConsoleLogger('rfm');
      const run = await loadRunModel(modelDir);
      const inputSize = run.backbone.config.inputSize;
      const dataset = await loadDataset(data, { logger });
      const selected = selectEvalItems(dataset, data, run, splitFlag);
      split = selected.split;
      const resize = run.config?.resize ?? resizeForCrop(inputSize);
      const source = await evalSourceFor(selected.items, { resize, backboneOptions: { inputSize } }, skipBad, logger);
      io.err(`eval: ${source.size} images (${split === 'all' ? 'whole dataset' : `${split} split of the run`}) with ${run.backbone.config.name} at ${inputSize} px\n`);
      const bar = new ProgressBar(io, 'eval', source.size);
      predictions = await predict(run.backbone, source, batch, (done) => bar.update(done));
      scoredItems = source.items;
      modelName = run.backbone.config.name;
      run.backbone.dispose();
    }
    const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
    const evaluation = evaluateSamples(samples);
    // Video-level results when the data has videos (several frames per group, e.g. from rfm prepare).
    const videoResults = videoEvaluation(samples, predictions.ids, scoredItems);
    const scores = optionalString(p, 'scores');
    if (scores) {
      writeFileAtomic(
        scores,
        `id,label,score,logit_gap,technique\n${predictions.ids.map((id, i) => `${id},${predictions.labels[i]},${predictions.scores[i]},${predictions.logitGaps[i]},${predictions.techniques[i]}`).join('\n')}\n`,
      );
    }
    const roc = optionalString(p, 'roc');
    if (roc) await writeRocChart(samples, roc, `${modelName}: ${data} (${split})`);
    if (p.values.json) {
      const video = videoResults ? { video: videoResults } : {};
      io.out(`${JSON.stringify({ split, images: predictions.ids.length, ...evaluation, ...video }, null, 2)}\n`);
    } else {
      io.out(formatReport(evaluation, `${data} (${split}, ${predictions.ids.length} ${videoResults ? 'frames' : 'images'}), percentages:`));
      if (videoResults) {
        io.out(`\n${formatReport(videoResults, `video level (${videoResults.videos} videos and photos; video score = mean of its frame scores), percentages:`)}`);
      }
    }
  },
};
