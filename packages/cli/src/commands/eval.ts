/**
 * `rfm eval`: scores a dataset with a trained run's model and prints the metrics table.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createConsoleLogger, predict, writeFileAtomic } from '@rfm/core';
import { datasetHash, loadDataset, splitDataset, type DatasetItem } from '@rfm/data';
import { choiceFlag, intFlag, optionalString, parseCommandArgs, requiredString } from '../args.js';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_SPEC, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { writeEvalReport } from '../html-report/write-report.js';
import { ProgressBar } from '../progress.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';
import { evalSourceFor } from '../run-data.js';
import { loadRunModel } from '../run-model.js';
import { resizeForCrop } from '../train-config.js';
import { versions } from '../versions.js';

const HELP = `Usage: rfm eval --model RUN_DIR --data DIR [--split S] [--json] [--scores FILE.csv] [--roc FILE]
                [--report FILE.html]

Scores every image of a dataset with the best model of a run (inference mode, centre crop, the run's
resize and normalisation) and prints AUC, TDR at FDR 1e-2/1e-3/1e-4, EER, AP and ACC overall and per
fake technique with their mean. The score is P(fake).

  --model RUN_DIR   folder written by rfm train (or its model/ folder)
  --data DIR        dataset folder (real/ and fake/ or fake/<technique>/) or CSV manifest
  --split S         all | train | validation | test. Default: test when DIR is the run's training
                    data (same split seed and fractions as the run), all otherwise
  --json            print the report as JSON
  --scores FILE     also write per-image scores as CSV (id,label,score,logit_gap,technique)
  --roc FILE        also draw the ROC curves (.svg or .png)
  --report FILE     where to write the HTML report (metrics, ROC, score histograms, average
                    attention maps, erasing examples, versions; default RUN_DIR/eval-report.html)
  --batch N         images per forward pass (default 32)
  --skip-bad-images skip unreadable images instead of failing
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
      report: { type: 'string' },
      batch: { type: 'string' },
      'skip-bad-images': { type: 'boolean' },
    });
    const modelDir = requiredString(p, 'model', 'eval');
    const data = resolve(requiredString(p, 'data', 'eval'));
    if (!existsSync(data)) throw new CliUsageError(`eval: --data ${data} does not exist`);
    const splitFlag = choiceFlag(p, 'split', 'eval', ['all', 'train', 'validation', 'test'] as const);
    const batch = intFlag(p, 'batch', 'eval', 1, 4096) ?? 32;
    const reportPath = optionalString(p, 'report');
    if (reportPath !== undefined && !/\.html?$/i.test(reportPath)) throw new CliUsageError(`eval: --report must name an .html file, got "${reportPath}"`);
    await startBackend(p, 'eval', io);
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
    const source = await evalSourceFor(items, { resize, backboneOptions: { inputSize } }, p.values['skip-bad-images'] === true, logger);
    io.err(`eval: ${source.size} images (${split === 'all' ? 'whole dataset' : `${split} split of the run`}) with ${run.backbone.config.name} at ${inputSize} px\n`);
    const bar = new ProgressBar(io, 'eval', source.size);
    const predictions = await predict(run.backbone, source, batch, (done) => bar.update(done));
    run.backbone.dispose();
    const samples = predictions.labels.map((l, i) => ({ label: l as 0 | 1, score: predictions.scores[i]!, technique: predictions.techniques[i] }));
    const evaluation = evaluateSamples(samples);
    const scores = optionalString(p, 'scores');
    if (scores) {
      writeFileAtomic(
        scores,
        `id,label,score,logit_gap,technique\n${predictions.ids.map((id, i) => `${id},${predictions.labels[i]},${predictions.scores[i]},${predictions.logitGaps[i]},${predictions.techniques[i]}`).join('\n')}\n`,
      );
    }
    const roc = optionalString(p, 'roc');
    if (roc) await writeRocChart(samples, roc, `${run.backbone.config.name}: ${data} (${split})`);
    if (p.values.json) io.out(`${JSON.stringify({ split, images: source.size, ...evaluation }, null, 2)}\n`);
    else io.out(formatReport(evaluation, `${data} (${split}, ${source.size} images), percentages:`));
    const reportInput = { runDir: run.runDir, data, split, items, samples, backend: tf.getBackend(), versions: versions(), dataHash: await datasetHash(dataset) };
    await writeEvalReport(reportInput, reportPath ?? join(run.runDir, 'eval-report.html'), io);
  },
};
