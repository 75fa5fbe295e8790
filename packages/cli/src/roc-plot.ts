/**
 * ROC curves as an SVG chart (false detection rate on a log axis, as the DFFD/RFM papers read
 * TDR at low FDR), convertible to PNG with sharp.
 *
 * @packageDocumentation
 */
import { escapeXml } from './xml.js';

/** One curve to draw. */
export interface RocSeries {
  /** Legend label, e.g. `stylegan2 (AUC 99.1)`. */
  readonly name: string;
  /** False detection rates (FPR), ascending. */
  readonly fpr: ArrayLike<number>;
  /** True detection rates (TPR). */
  readonly tpr: ArrayLike<number>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/**
 * Renders ROC curves as a standalone SVG document.
 *
 * @param series - curves
 * @param options - `minFpr` is the left end of the log axis (default 1e-4); points with a lower
 *   FPR are drawn at the axis
 */
export function rocSvg(series: readonly RocSeries[], options: { title?: string; minFpr?: number } = {}): string {
  const W = 640;
  const H = 480;
  const m = { l: 64, r: 16, t: 40, b: 56 };
  const minFpr = options.minFpr ?? 1e-4;
  const lo = Math.log10(minFpr);
  const x = (f: number) => m.l + ((Math.log10(Math.max(f, minFpr)) - lo) / -lo) * (W - m.l - m.r);
  const y = (t: number) => H - m.b - t * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  for (let e = Math.ceil(lo); e <= 0; e++) {
    const xx = x(10 ** e).toFixed(1);
    // FDR 1e-2 and 1e-3, where the DFFD/RFM tables read TDR, are drawn darker and dashed.
    const reported = e === -2 || e === -3;
    parts.push(`<line x1="${xx}" y1="${m.t}" x2="${xx}" y2="${H - m.b}" stroke="${reported ? '#888' : '#ddd'}"${reported ? ' stroke-dasharray="4 3"' : ''}/>`);
    parts.push(`<text x="${xx}" y="${H - m.b + 18}" text-anchor="middle">1e${e}</text>`);
  }
  for (let t = 0; t <= 10; t += 2) {
    const yy = y(t / 10).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${yy}" x2="${W - m.r}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${(t / 10).toFixed(1)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 14}" text-anchor="middle">false detection rate (real faces flagged as fake, log scale)</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">true detection rate</text>`);
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="14">${escapeXml(options.title ?? 'ROC')}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts: string[] = [];
    for (let k = 0; k < s.fpr.length; k++) pts.push(`${x(s.fpr[k]!).toFixed(1)},${y(s.tpr[k]!).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
  });
  // Legend in the lower right, where a ROC curve on a log FDR axis rarely runs.
  const legendTop = H - m.b - 10 - series.length * 18;
  parts.push(`<rect x="${W - m.r - 208}" y="${legendTop}" width="200" height="${series.length * 18 + 4}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const ly = legendTop + 11 + i * 18;
    parts.push(`<line x1="${W - m.r - 200}" y1="${ly}" x2="${W - m.r - 180}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${W - m.r - 174}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
