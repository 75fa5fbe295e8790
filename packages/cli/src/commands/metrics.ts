/**
 * `rfm metrics`: metrics from a CSV of scores.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { parseScoresCsv } from '@rfm/metrics';
import { CliUsageError, type CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';

/** The `--roc FILE` flag of `eval` and `metrics`: an SVG, or a PNG rendered with sharp. */
export const ROC_FLAG: FlagSpec = {
  name: 'roc',
  kind: 'string',
  value: 'FILE',
  extensions: ['.svg', '.png'],
  help: 'also draw the ROC curves (.svg, or .png rendered with sharp)',
};

/** Flags of `rfm metrics`. */
export const METRICS_FLAGS: readonly FlagSpec[] = [
  {
    name: 'scores',
    kind: 'string',
    value: 'FILE',
    required: true,
    help: 'CSV with columns label,score[,technique] (header optional; label 0/1 or real/fake;\nhigher score = more likely fake)',
  },
  { name: 'json', kind: 'boolean', help: 'print the full report as JSON instead of the table' },
  ROC_FLAG,
];

const HELP = commandHelp(
  'Usage: rfm metrics --scores FILE.csv [--json] [--roc FILE.svg|FILE.png]',
  `Computes AUC, TDR at FDR 1e-2 / 1e-3 / 1e-4 (DFFD's definition: the largest true detection rate
among ROC points whose false detection rate is at most the target), EER, AP and ACC at 0.5 from a
CSV of scores, overall and per fake technique with their unweighted mean (how RFM reports DFFD).`,
  METRICS_FLAGS,
  'Example: rfm eval --model runs/demo --data data/ffhq-stylegan2 --scores scores.csv && rfm metrics --scores scores.csv',
);

/** The `metrics` command. */
export const metricsCommand: CliCommand = {
  name: 'metrics',
  summary: 'compute AUC, TDR@FDR, EER, AP, ACC from a label,score[,technique] CSV',
  help: HELP,
  flags: METRICS_FLAGS,
  async run(args, io) {
    const f = parseFlags('metrics', args, METRICS_FLAGS);
    const file = f.required('scores');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliUsageError(`metrics: cannot read --scores ${file}: ${(e as Error).message}`);
    }
    const samples = parseScoresCsv(text, { source: file });
    const evaluation = evaluateSamples(samples);
    const roc = f.string('roc');
    if (roc) await writeRocChart(samples, roc, `ROC: ${file}`);
    if (f.bool('json')) io.out(`${JSON.stringify(evaluation, null, 2)}\n`);
    else io.out(formatReport(evaluation, `${samples.length} scores from ${file}`));
    if (roc) io.err(`ROC chart written to ${roc}\n`);
  },
};
