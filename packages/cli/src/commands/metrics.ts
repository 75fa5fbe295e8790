/**
 * `rfm metrics`: metrics from a CSV of scores.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { parseScoresCsv } from '@rfm/metrics';
import { optionalString, parseCommandArgs, requiredString } from '../args.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { evaluateSamples, formatReport, writeRocChart } from '../report.js';

const HELP = `Usage: rfm metrics --scores FILE.csv [--json] [--roc FILE.svg|FILE.png]

Computes AUC, TDR at FDR 1e-2 / 1e-3 / 1e-4 (DFFD's definition: the largest true detection rate
among ROC points whose false detection rate is at most the target), EER, AP and ACC at 0.5 from a
CSV of scores, overall and per fake technique with their unweighted mean (how RFM reports DFFD).

  --scores FILE   CSV with columns label,score[,technique] (header optional; label 0/1 or real/fake;
                  higher score = more likely fake)
  --json          print the full report as JSON instead of the table
  --roc FILE      also draw the ROC curves (.svg, or .png rendered with sharp)

Example: rfm eval --model runs/demo --data data/ffhq-stylegan2 --scores scores.csv && rfm metrics --scores scores.csv
`;

/** The `metrics` command. */
export const metricsCommand: CliCommand = {
  name: 'metrics',
  summary: 'compute AUC, TDR@FDR, EER, AP, ACC from a label,score[,technique] CSV',
  help: HELP,
  async run(args, io) {
    const p = parseCommandArgs('metrics', args, { scores: { type: 'string' }, json: { type: 'boolean' }, roc: { type: 'string' } });
    const file = requiredString(p, 'scores', 'metrics');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliUsageError(`metrics: cannot read --scores ${file}: ${(e as Error).message}`);
    }
    const samples = parseScoresCsv(text, { source: file });
    const evaluation = evaluateSamples(samples);
    const roc = optionalString(p, 'roc');
    if (roc) await writeRocChart(samples, roc, `ROC: ${file}`);
    if (p.values.json) io.out(`${JSON.stringify(evaluation, null, 2)}\n`);
    else io.out(formatReport(evaluation, `${samples.length} scores from ${file}`));
    if (roc) io.err(`ROC chart written to ${roc}\n`);
  },
};
