/**
 * Renders a {@link ReportData} as one self-contained HTML page: inline CSS and SVG, images as
 * `data:` URIs, no script and no external reference, so the file can be opened offline, mailed or
 * archived with the run.
 *
 * @packageDocumentation
 */
import { rocAuc, rocCurve } from '@rfm/metrics';
import { rocSvg } from '../roc-plot.js';
import { similaritySvg } from '../similarity-chart.js';
import { histogramSvg } from './histogram-chart.js';
import { escapeXml } from '../xml.js';
import { percent } from './html-text.js';
import type { AttentionFigures, ErasingGrid, ReportData, ReportImage, ReportProvenance, ScoreSet } from './report-model.js';
import { resultsTableHtml } from './results-table.js';
import { forgeryTableHtml } from './forgery-table-html.js';
import { BLENDED_GROUP, ONE_STAGE_GROUP } from '../forgery-kinds.js';

const STYLE = `
body { font: 14px/1.45 "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0 auto; padding: 16px 24px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 8px 0; }
table.results th, table.results td { border-bottom: 1px solid #ddd; padding: 4px 8px; white-space: nowrap; }
table.results thead th { background: #f3f3f3; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ci, small.ci { color: #555; }
.wide { overflow-x: auto; max-width: 100%; }
table.results[data-table="forgery"] th, table.results[data-table="forgery"] td { padding: 4px 5px; }
td.unreliable { color: #8a6d00; }
td.gain { background: #e3f4e1; } td.loss { background: #fae1e1; }
.caption { font-weight: bold; margin-bottom: 0; } .note { color: #555; font-size: 12px; max-width: 1100px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
svg { max-width: 100%; height: auto; }
table.figure td, table.figure th { padding: 2px 4px; text-align: center; vertical-align: middle; font-weight: normal; }
table.figure th.rowname { text-align: right; white-space: nowrap; }
table.figure img { display: block; image-rendering: pixelated; outline: 1px solid #bbb; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; max-height: 420px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; } dt { font-weight: bold; } dd { margin: 0; word-break: break-all; }
`;

/** Pixels each embedded figure image is drawn at (tiny runs use small inputs; upscale them). */
const FIGURE_SIDE = 112;

function img(image: ReportImage, side = FIGURE_SIDE): string {
  return `<img src="${image.dataUri}" width="${side}" height="${Math.round((side * image.height) / image.width)}" alt="${escapeXml(image.alt)}" data-figure="1">`;
}

function rocSection(scores: readonly ScoreSet[]): string {
  if (scores.length === 0) return '<p>No test scores.</p>';
  const series = scores.map((s) => {
    const roc = rocCurve(s.labels, s.scores);
    const auc = rocAuc(s.labels, s.scores);
    return { name: `${s.name} (AUC ${percent(auc)})`, fpr: roc.fpr, tpr: roc.tpr };
  });
  const nReal = Math.min(...scores.map((s) => s.labels.filter((l) => l === 0).length));
  const minFpr = 10 ** Math.min(-3, Math.floor(Math.log10(1 / Math.max(1, nReal))));
  return (
    `<div class="charts" data-chart="roc">${rocSvg(series, { title: 'ROC on the test images (false detection rate on a log scale)', minFpr })}</div>` +
    `<p class="note">The x axis is logarithmic so that the operating points the paper reports (FDR 1e-2 and 1e-3) are visible; ` +
    `with ${nReal} real images the smallest non-zero FDR is ${(1 / Math.max(1, nReal)).toExponential(1)}, and points at FDR 0 are drawn on the left edge.</p>`
  );
}

function histogramSection(scores: readonly ScoreSet[]): string {
  if (scores.length === 0) return '<p>No test scores.</p>';
  return `<div class="charts">${scores.map((s) => `<div data-chart="histogram">${histogramSvg(s.labels, s.scores, { title: s.name })}</div>`).join('\n')}</div>`;
}

function attentionSection(a: AttentionFigures | undefined, missing: string | undefined): string {
  if (!a) return `<p>${escapeXml(missing ?? 'Not computed.')}</p>`;
  const head = `<tr><th></th>${a.techniques.map((t) => `<th>${escapeXml(t)} (${a.imagesPerTechnique[t] ?? 0})</th>`).join('')}</tr>`;
  const faces = `<tr><th class="rowname">mean face</th>${a.meanFaces.map((f) => `<td>${img(f)}</td>`).join('')}</tr>`;
  const rows = a.rows.map((r) => `<tr><th class="rowname">${escapeXml(r.name)}</th>${r.maps.map((m) => `<td>${img(m)}</td>`).join('')}</tr>`).join('\n');
  const sims = a.rows
    .map((r) => `<div data-chart="similarity">${similaritySvg(a.techniques, r.similarity, `${r.name}: cosine similarity of average ${a.method.toUpperCase()}s`)}</div>`)
    .join('\n');
  return (
    `<p>Average ${escapeXml(a.method.toUpperCase())} of each detector over the ${escapeXml(a.source)} of each technique, blended over the technique's mean face ` +
    `(jet: red = where the detector's decision is most sensitive; paper Fig. 7). A detector that looks at more of the face spreads its map wider.` +
    (a.techniques.includes(BLENDED_GROUP)
      ? ` "${ONE_STAGE_GROUP}" and "${BLENDED_GROUP}" average the same images per kind: whole-face one-stage fakes against fakes with a blending boundary (rfm synth blends, rfm less-forgery region swaps), as the paper sets two-stage beside one-stage techniques.`
      : '') +
    `</p>` +
    `<table class="figure" data-figure-table="attention"><thead>${head}</thead><tbody>${faces}\n${rows}</tbody></table>` +
    `<p>Cosine similarity between the average maps of every pair of techniques (paper Fig. 8): high values mean the detector looks at the same places whatever the forgery.</p>` +
    `<div class="charts">${sims}</div>`
  );
}

function erasingSection(g: ErasingGrid | undefined, missing: string | undefined): string {
  if (!g) return `<p>${escapeXml(missing ?? 'Not computed.')}</p>`;
  const side = 96;
  const head = `<tr><th></th>${g.ids.map((id, i) => `<th title="${escapeXml(id)}">${g.labels[i] === 1 ? 'fake' : 'real'}</th>`).join('')}</tr>`;
  const rows = [`<tr><th class="rowname">input</th>${g.originals.map((o) => `<td>${img(o, side)}</td>`).join('')}</tr>`];
  for (const r of g.rows) {
    rows.push(`<tr><th class="rowname">${escapeXml(r.method)}<br><small>${escapeXml(r.guidedBy)}</small></th>${r.erased.map((o) => `<td>${img(o, side)}</td>`).join('')}</tr>`);
    rows.push(`<tr><th class="rowname">${escapeXml(r.method)} mask</th>${r.masks.map((o) => `<td>${img(o, side)}</td>`).join('')}</tr>`);
  }
  return (
    `<p>The same training images as each erasing method changes them (paper Fig. 4), at the network's input size; masks are white where the image is kept. ` +
    `Every method is applied with probability 1 here so that each column shows an erasure (Random Erasing trains with p = 0.5).${g.note ? ` ${escapeXml(g.note)}` : ''}</p>` +
    `<table class="figure" data-figure-table="erasing"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`
  );
}

function provenanceSection(p: ReportProvenance): string {
  const items: [string, string][] = [
    ['backend', p.backend ?? '-'],
    ['data', p.data ?? '-'],
    ['data hash (SHA-256)', p.dataHash ?? '-'],
  ];
  const versions = Object.entries(p.versions ?? {}).map(([k, v]) => [k, v] as [string, string]);
  const dl = (rows: [string, string][]) => `<dl>${rows.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl>`;
  return (
    dl(items) +
    `<h3>Versions</h3>${versions.length > 0 ? dl(versions) : '<p>-</p>'}` +
    `<h3>Configuration</h3><pre>${escapeXml(p.config === undefined ? '-' : JSON.stringify(p.config, null, 2))}</pre>`
  );
}

/**
 * Renders the report page.
 *
 * @param data - the report's content
 * @returns a complete HTML document (UTF-8)
 * @example
 * ```ts
 * const html = renderReport(await gatherComparisonReport('runs/compare', io));
 * writeFileAtomic('runs/compare/report.html', html);
 * ```
 */
export function renderReport(data: ReportData): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeXml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body data-report-kind="${data.kind}">
<h1>${escapeXml(data.title)}</h1>
<p>${escapeXml(data.summary)}</p>
<p class="meta">Written ${escapeXml(data.createdAt)} by rfm ${data.kind}.</p>
<h2 id="results">Results</h2>
${resultsTableHtml(data.table)}
${data.forgeryTable ? `<h2 id="less-forgery">Less-forgery and blended fakes (paper Table 6)</h2>\n${forgeryTableHtml(data.forgeryTable)}\n` : ''}<h2 id="roc">ROC curves</h2>
${rocSection(data.scores)}
<h2 id="histograms">Scores per class</h2>
${histogramSection(data.scores)}
<h2 id="attention">Where the detectors look</h2>
${attentionSection(data.attention, data.attentionMissing)}
<h2 id="erasing">Erasing</h2>
${erasingSection(data.erasing, data.erasingMissing)}
<h2 id="provenance">Run</h2>
${provenanceSection(data.provenance)}
</body>
</html>
`;
}
