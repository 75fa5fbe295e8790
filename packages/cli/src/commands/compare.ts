/**
 * `rfm compare`: trains one detector per erasing method under identical settings and seeds, and
 * compares them on the same test split (RFM Table 3 style).
 *
 * @packageDocumentation
 */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@rfm/core';
import { BACKEND_FLAG, startBackend } from '../backend-flag.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { erasingMethodNames } from '../erasing-methods.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';
import { formatDuration } from '../progress.js';
import { writeRocChartSeries } from '../report.js';
import { runTraining, type TrainingOutcome } from '../run-training.js';
import { configFromFlags, DATA_FLAG, MODEL_FLAGS, SCHEDULE_FLAGS } from './train.js';

const METHODS = ['none', ...erasingMethodNames()];

/** Flags of `rfm compare`: the training flags except --augment and --resume, plus --methods. */
export const COMPARE_FLAGS: readonly FlagSpec[] = [
  DATA_FLAG,
  { name: 'out', kind: 'string', value: 'DIR', required: true, help: 'comparison folder (created)' },
  { name: 'methods', kind: 'list', value: 'LIST', choices: METHODS, help: `comma-separated or repeated; default none,sfe,re,ae (${METHODS.join(', ')})` },
  ...MODEL_FLAGS,
  ...SCHEDULE_FLAGS,
  BACKEND_FLAG,
];

const HELP = commandHelp(
  'Usage: rfm compare --data DIR --out DIR [--methods none,sfe,re,ae,psfe] [rfm train options]',
  `Trains one detector per erasing method with the same data split, backbone, initial weights, seed
and schedule, then prints one table row per method with the test metrics of each method's best
validation model, and draws their ROC curves together. "none" is the plain baseline.
Writes DIR/<method>/ (a full rfm train run each), DIR/comparison.json, DIR/comparison.md and
DIR/roc.svg. Every rfm train option except --augment and --resume applies to each run.`,
  COMPARE_FLAGS,
  `Example (a few minutes on a 2-core CPU):
  rfm compare --data data/ffhq-stylegan2 --out runs/compare`,
);

/** Formats the comparison as a Markdown table (percentages). */
export function comparisonTable(rows: readonly { method: string; outcome: TrainingOutcome }[]): string {
  const pct = (x: number | undefined) => (x === undefined ? '-' : (100 * x).toFixed(2));
  const header = '| method | test AUC | TDR@1e-2 | TDR@1e-3 | AP | ACC | EER | best val AUC (iter) | time |';
  const sep = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const lines = rows.map(({ method, outcome }) => {
    const t = outcome.test?.overall;
    const tdr = (a: number) => pct(t?.tdr.find((p) => p.fdr === a)?.tdr);
    const best = outcome.best ? `${pct(outcome.best.value)} (${outcome.best.step})` : '-';
    return `| ${method} | ${pct(t?.auc)} | ${tdr(1e-2)} | ${tdr(1e-3)} | ${pct(t?.ap)} | ${pct(t?.acc)} | ${pct(t?.eer)} | ${best} | ${formatDuration(outcome.ms)} |`;
  });
  return [header, sep, ...lines].join('\n');
}

/** The `compare` command. */
export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'train one detector per erasing method (none, sfe, re, ae, psfe) and compare them',
  help: HELP,
  flags: COMPARE_FLAGS,
  async run(args, io) {
    if (args.includes('--augment')) throw new CliUsageError('compare: use --methods instead of --augment');
    if (args.includes('--resume')) throw new CliUsageError('compare: --resume is for single runs (rfm train --resume --out DIR/<method>)');
    const f = parseFlags('compare', args, COMPARE_FLAGS);
    const out = resolve(f.required('out'));
    const methods = f.list('methods');
    const chosen = methods.length > 0 ? methods : ['none', 'sfe', 're', 'ae'];
    if (new Set(chosen).size !== chosen.length) throw new CliUsageError(`compare: --methods lists a method twice (${chosen.join(', ')})`);
    const base = configFromFlags(f);
    const report = await startBackend(f, io);
    const rows: { method: string; outcome: TrainingOutcome }[] = [];
    for (const [i, method] of chosen.entries()) {
      io.err(`\n[${i + 1}/${chosen.length}] ${method}\n`);
      const config = { ...base, augment: method === 'none' ? [] : [method] };
      const outcome = await runTraining(config, join(out, method), io, { backendSummary: report.summary, label: method.padEnd(5) });
      if (!outcome.completed) {
        io.err(`stopped during ${method}; the finished methods are in ${out}\n`);
        return;
      }
      rows.push({ method, outcome });
    }
    const table = comparisonTable(rows);
    const header =
      `Erasing methods compared on the test split of ${base.data} ` +
      `(${base.backbone} ${JSON.stringify(base.backboneOptions)}, ${base.trainer.iterations} iterations, seed ${base.seed}; percentages)`;
    writeFileAtomic(join(out, 'comparison.md'), `${header}\n\n${table}\n`);
    writeFileAtomic(
      join(out, 'comparison.json'),
      `${JSON.stringify({ config: base, methods: rows.map(({ method, outcome }) => ({ method, best: outcome.best, test: outcome.test, ms: outcome.ms })) }, null, 2)}\n`,
    );
    await writeRocChartSeries(
      rows.map(({ method, outcome }) => ({ name: method, samples: outcome.samples ?? [] })),
      join(out, 'roc.svg'),
      `Erasing methods: test split of ${base.data}`,
    );
    io.out(`${header}\n\n${table}\n`);
    io.err(`comparison written to ${join(out, 'comparison.md')}, ${join(out, 'comparison.json')} and ${join(out, 'roc.svg')}\n`);
  },
};
