/**
 * Turning scored samples into what users read: the metrics table (overall, per technique, mean
 * over techniques as the paper reports DFFD), JSON, and ROC charts.
 *
 * @packageDocumentation
 */
import { extname } from 'node:path';
import { evaluateByTechnique, formatMetricsTable, rocCurve, type ScoredSample, type TechniqueEvaluation } from '@rfm/metrics';
import { writeFileAtomic } from '@rfm/core';
import sharp from 'sharp';
import { rocSvg, type RocSeries } from './roc-plot.js';

/**
 * Evaluates samples overall and per fake technique.
 *
 * @param samples - labelled scores (higher = more likely fake)
 */
export function evaluateSamples(samples: readonly ScoredSample[]): TechniqueEvaluation {
  return evaluateByTechnique(samples);
}

/**
 * The human-readable report: a table with one row per technique (and the mean) when there are
 * several techniques, the pooled row otherwise, plus a warning line for unreliable TDRs.
 */
export function formatReport(evaluation: TechniqueEvaluation, title: string): string {
  const table =
    evaluation.techniques.length > 1 ? formatMetricsTable(evaluation) : formatMetricsTable(evaluation.overall, { name: evaluation.techniques[0] ?? 'all' });
  const unreliable = evaluation.overall.tdr.filter((p) => !p.reliable).map((p) => p.fdr);
  const note =
    unreliable.length > 0
      ? `\nTDR at FDR ${unreliable.join(', ')} rests on ${evaluation.overall.nReal} real images (< 1/FDR): read it as "fakes scored above every real", not as a rate.\n`
      : '';
  return `${title}\n${table}${table.endsWith('\n') ? '' : '\n'}${note}`;
}

/**
 * Writes one pooled ROC curve per named set of samples (e.g. one per erasing method) to `path`:
 * `.svg` as vector, `.png` rendered by sharp.
 *
 * @param groups - named sample sets
 * @param path - destination ending in `.svg` or `.png`
 * @param title - chart title
 */
export async function writeRocChartSeries(groups: readonly { name: string; samples: readonly ScoredSample[] }[], path: string, title: string): Promise<void> {
  const series: RocSeries[] = groups.map((g) => {
    const labels = g.samples.map((s) => s.label);
    const scores = g.samples.map((s) => s.score);
    const roc = rocCurve(labels, scores);
    return { name: `${g.name} (AUC ${(100 * evaluateByTechnique(g.samples).overall.auc).toFixed(2)})`, fpr: roc.fpr, tpr: roc.tpr };
  });
  await writeChart(rocSvg(series, { title }), path);
}

/**
 * Writes an SVG chart to `path`: as is for `.svg`, rendered to PNG by sharp for `.png`.
 *
 * @param svg - the SVG document
 * @param path - destination
 */
export async function writeChart(svg: string, path: string): Promise<void> {
  if (extname(path).toLowerCase() === '.png') writeFileAtomic(path, await sharp(Buffer.from(svg)).png().toBuffer());
  else writeFileAtomic(path, svg);
}

/**
 * Writes ROC curves (pooled and per technique) to `path`: `.svg` as vector, `.png` rendered by sharp.
 *
 * @param samples - labelled scores
 * @param path - destination ending in `.svg` or `.png`
 * @param title - chart title
 */
export async function writeRocChart(samples: readonly ScoredSample[], path: string, title: string): Promise<void> {
  const evaluation = evaluateByTechnique(samples);
  const groups: { name: string; items: readonly ScoredSample[] }[] = [{ name: 'all', items: samples }];
  if (evaluation.techniques.length > 1) {
    for (const t of evaluation.techniques) {
      groups.push({ name: t, items: samples.filter((s) => s.label === 0 || (s.technique ?? 'fake') === t) });
    }
  }
  const series: RocSeries[] = groups.map((g) => {
    const roc = rocCurve(
      g.items.map((s) => s.label),
      g.items.map((s) => s.score),
    );
    const auc = g.name === 'all' ? evaluation.overall.auc : evaluation.perTechnique[g.name]!.auc;
    return { name: `${g.name} (AUC ${(100 * auc).toFixed(2)})`, fpr: roc.fpr, tpr: roc.tpr };
  });
  await writeChart(rocSvg(series, { title }), path);
}
