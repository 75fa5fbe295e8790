/**
 * The results table of the report as HTML. Every numeric cell carries its raw value in
 * `data-metric` / `data-value` attributes (the value as the run's JSON holds it), so that a reader
 * or a test can check the printed percentage against the source.
 *
 * @packageDocumentation
 */
import { formatDuration } from '../progress.js';
import { escapeXml } from '../xml.js';
import { percent, signedPercent } from './html-text.js';
import type { Interval, ResultRow, ResultsTable } from './report-model.js';

/** FDRs the table shows TDR at. */
export const TABLE_FDRS: readonly number[] = [1e-2, 1e-3];

function valueCell(metric: string, value: number | undefined, text = percent(value), extraClass = ''): string {
  const attrs = value === undefined || !Number.isFinite(value) ? '' : ` data-value="${value}"`;
  return `<td class="num${extraClass}" data-metric="${metric}"${attrs}>${escapeXml(text)}</td>`;
}

function intervalCell(metric: string, ci: Interval | undefined, signed = false): string {
  if (!ci) return `<td class="num ci" data-metric="${metric}">-</td>`;
  const f = signed ? signedPercent : percent;
  return `<td class="num ci" data-metric="${metric}" data-low="${ci[0]}" data-high="${ci[1]}">[${f(ci[0])}, ${f(ci[1])}]</td>`;
}

function tdrCells(row: ResultRow): string {
  return TABLE_FDRS.map((fdr) => {
    const p = row.tdr?.find((t) => Math.abs(t.fdr - fdr) < fdr * 1e-9);
    if (!p) return valueCell(`tdr@${fdr}`, undefined);
    return valueCell(`tdr@${fdr}`, p.tdr, `${percent(p.tdr)}${p.reliable ? '' : ' †'}`, p.reliable ? '' : ' unreliable');
  }).join('');
}

/** Class of a difference cell: whether its interval excludes zero. */
function diffClass(ci: Interval | undefined): string {
  if (!ci) return '';
  if (ci[0] > 0) return ' gain';
  if (ci[1] < 0) return ' loss';
  return '';
}

/** Whether any row has a detail (e.g. a seed), which then gets its own column. */
function hasDetail(table: ResultsTable): boolean {
  return table.rows.some((r) => r.detail !== undefined);
}

function headerCells(table: ResultsTable): string[] {
  const tdr = TABLE_FDRS.map((f) => `TDR@${f.toExponential(0)}`);
  if (table.columns === 'compare') {
    return ['method', ...(hasDetail(table) ? ['run'] : []), 'AUC', 'AUC 95% CI', ...tdr, 'AP', 'EER', `ΔAUC vs ${table.baseline ?? 'baseline'}`, 'ΔAUC 95% CI', 'best val. AUC (iter.)', 'time'];
  }
  return ['technique', 'real / fake', 'AUC', ...tdr, 'AP', 'EER', 'ACC'];
}

function rowCells(table: ResultsTable, row: ResultRow): string {
  const name = `<th scope="row">${escapeXml(row.name)}</th>`;
  if (table.columns === 'compare') {
    const best = row.best ? `${percent(row.best.value)} (${row.best.step})` : '-';
    const isBaseline = table.baseline !== undefined && row.name === table.baseline;
    const diffText = isBaseline ? 'baseline' : signedPercent(row.diff?.auc);
    return [
      name,
      ...(hasDetail(table) ? [`<td>${escapeXml(row.detail ?? '')}</td>`] : []),
      valueCell('auc', row.auc),
      intervalCell('auc-ci95', row.aucCi95),
      tdrCells(row),
      valueCell('ap', row.ap),
      valueCell('eer', row.eer),
      valueCell('diff-auc', isBaseline ? undefined : row.diff?.auc, diffText, diffClass(row.diff?.aucCi95)),
      intervalCell('diff-auc-ci95', row.diff?.aucCi95, true),
      valueCell('best', row.best?.value, best),
      `<td class="num" data-metric="ms"${row.ms === undefined ? '' : ` data-value="${row.ms}"`}>${row.ms === undefined ? '-' : formatDuration(row.ms)}</td>`,
    ].join('');
  }
  const counts = row.nReal === undefined ? '-' : `${row.nReal} / ${row.nFake ?? '-'}`;
  return [name, `<td class="num">${counts}</td>`, valueCell('auc', row.auc), tdrCells(row), valueCell('ap', row.ap), valueCell('eer', row.eer), valueCell('acc', row.acc)].join('');
}

/**
 * Renders the table (and, for comparisons over several seeds, the across-seeds table) with its
 * reading notes.
 *
 * @param table - rows and caption
 */
export function resultsTableHtml(table: ResultsTable): string {
  const head = `<tr>${headerCells(table)
    .map((h) => `<th scope="col">${escapeXml(h)}</th>`)
    .join('')}</tr>`;
  const body = table.rows.map((r) => `<tr data-row="${escapeXml(r.name)}"${r.detail ? ` data-detail="${escapeXml(r.detail)}"` : ''}>${rowCells(table, r)}</tr>`).join('\n');
  const notes: string[] = ['Percentages. AUC: area under the ROC curve; TDR@x: share of fakes detected when a share x of reals is flagged; AP: average precision; EER: equal error rate.'];
  if (table.rows.some((r) => r.tdr?.some((t) => !t.reliable))) {
    notes.push('† fewer real images than 1/FDR: the TDR then means "fakes scored above every real", not a rate at that FDR.');
  }
  if (table.columns === 'compare') {
    notes.push(
      `ΔAUC: the method's AUC minus the ${escapeXml(table.baseline ?? 'baseline')}'s on the same test images, with its 95% paired-bootstrap interval; ` +
        'an interval that excludes 0 (green: gain, red: loss) marks a difference that resampling the test images does not explain. ' +
        '"-": not computed by this version of rfm compare.',
    );
  }
  const parts = [`<p class="caption">${escapeXml(table.caption)}</p>`, `<table class="results"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`];
  parts.push(`<p class="note">${notes.join('<br>')}</p>`);
  if (table.seeds && table.seeds.length > 0) {
    const rows = table.seeds
      .map(
        (s) =>
          `<tr data-row="${escapeXml(s.method)}"><th scope="row">${escapeXml(s.method)}</th><td class="num">${s.n}</td>` +
          `<td class="num" data-metric="auc-mean"${s.auc ? ` data-value="${s.auc.mean}"` : ''}>${s.auc ? `${percent(s.auc.mean)} ± ${percent(s.auc.std)}` : '-'}</td>` +
          `<td class="num" data-metric="diff-auc-mean"${s.diffToBaseline ? ` data-value="${s.diffToBaseline.mean}"` : ''}>${s.diffToBaseline ? `${signedPercent(s.diffToBaseline.mean)} ± ${percent(s.diffToBaseline.std)}` : '-'}</td></tr>`,
      )
      .join('\n');
    parts.push(
      `<table class="results seeds"><thead><tr><th scope="col">method</th><th scope="col">seeds</th><th scope="col">AUC mean ± std</th><th scope="col">ΔAUC mean ± std</th></tr></thead><tbody>\n${rows}\n</tbody></table>`,
    );
  }
  return parts.join('\n');
}
