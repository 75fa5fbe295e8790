/**
 * The per-region table (paper Table 6) as HTML. Numeric cells carry their raw values in
 * `data-metric` / `data-value` attributes, as the results table does.
 *
 * @packageDocumentation
 */
import { escapeXml } from '../xml.js';
import { percent, signedPercent } from './html-text.js';
import type { ForgeryTable, Interval } from './report-model.js';

/** A numeric cell; `html` is already escaped. */
function cell(metric: string, value: number | undefined, html: string, extraClass = ''): string {
  const attrs = value === undefined || !Number.isFinite(value) ? '' : ` data-value="${value}"`;
  return `<td class="num${extraClass}" data-metric="${escapeXml(metric)}"${attrs}>${html}</td>`;
}

/** The value, with its interval on a second, smaller line (keeps the wide table narrow). */
const withCi = (value: number | undefined, ci: Interval | undefined, f: (x: number | undefined) => string) =>
  ci ? `${escapeXml(f(value))}<br><small class="ci" data-low="${ci[0]}" data-high="${ci[1]}">[${escapeXml(f(ci[0]))}, ${escapeXml(f(ci[1]))}]</small>` : escapeXml(f(value));

const diffClass = (ci: Interval | undefined) => (!ci ? '' : ci[0] > 0 ? ' gain' : ci[1] < 0 ? ' loss' : '');

/**
 * Renders the table with its reading note.
 *
 * @param table - built by `forgeryTable`
 */
export function forgeryTableHtml(table: ForgeryTable): string {
  const withBaseline = table.baseline !== undefined && table.rows.length > 1;
  const perColumn = withBaseline ? 3 : 2;
  const detail = table.rows.some((r) => r.detail !== undefined);
  const fullName = table.reference.length === 0 ? 'full fakes' : `full fakes (${table.reference.join(', ')})`;
  const head1 =
    `<tr><th scope="col" rowspan="2">${table.baseline ? 'method' : 'detector'}</th>${detail ? '<th scope="col" rowspan="2">run</th>' : ''}` +
    `<th scope="col" rowspan="2">${escapeXml(fullName)}<br>AUC</th>` +
    table.columns.map((c) => `<th scope="colgroup" colspan="${perColumn}">${escapeXml(c.label)}</th>`).join('') +
    '</tr>';
  const head2 = `<tr>${table.columns.map(() => `<th scope="col">AUC</th><th scope="col">drop</th>${withBaseline ? '<th scope="col">Δ</th>' : ''}`).join('')}</tr>`;
  const body = table.rows
    .map((r) => {
      const isBaseline = r.name === table.baseline;
      const cells = table.columns.map((c, i) => {
        const x = r.cells[i];
        const prefix = c.technique;
        if (!x) return `<td class="num" data-metric="${escapeXml(prefix)}-auc">-</td><td class="num">-</td>${withBaseline ? '<td class="num">-</td>' : ''}`;
        const auc = cell(`${prefix}-auc`, x.auc, withCi(x.auc, x.aucCi95, percent));
        const drop = cell(`${prefix}-drop`, x.drop, escapeXml(signedPercent(x.drop)));
        const diff = !withBaseline ? '' : isBaseline ? '<td class="num">baseline</td>' : cell(`${prefix}-diff`, x.diff?.auc, withCi(x.diff?.auc, x.diff?.aucCi95, signedPercent), diffClass(x.diff?.aucCi95));
        return auc + drop + diff;
      });
      return (
        `<tr data-row="${escapeXml(r.name)}"${r.detail ? ` data-detail="${escapeXml(r.detail)}"` : ''}><th scope="row">${escapeXml(r.name)}</th>` +
        `${detail ? `<td>${escapeXml(r.detail ?? '')}</td>` : ''}${cell('full-auc', r.fullAuc, withCi(r.fullAuc, r.fullAucCi95, percent))}${cells.join('')}</tr>`
      );
    })
    .join('\n');
  const fakes = table.rows[0]?.cells.find((c) => c)?.nFake;
  const notes = [
    `Percentages. Each column scores one set of fakes against all reals of the data${fakes !== undefined ? ` (${fakes} fakes in the first column)` : ''}, with the 95% bootstrap interval of the AUC. ` +
      '"eyes real" and so on: the fakes whose eyes (nose, mouth, skin) were replaced by an aligned real face (rfm less-forgery); "(blended)": fakes blended from real faces (rfm synth). ' +
      (table.reference.length > 0
        ? `Drop: the AUC minus the AUC on the full fakes (${escapeXml(table.reference.join(', '))}${table.reference.length > 1 ? ', their mean' : ''}) of the same detector.`
        : 'Drop: not available, the data holds no full (one-stage) fakes.'),
  ];
  if (withBaseline) notes.push(`Δ: the AUC minus the ${escapeXml(table.baseline!)} detector's on the same images, with its 95% paired-bootstrap interval (green: gain, red: loss).`);
  return (
    `<p class="caption">${escapeXml(table.caption)}</p>` +
    `<div class="wide"><table class="results" data-table="forgery"><thead>${head1}${head2}</thead><tbody>\n${body}\n</tbody></table></div>` +
    `<p class="note">${notes.join('<br>')}</p>`
  );
}
