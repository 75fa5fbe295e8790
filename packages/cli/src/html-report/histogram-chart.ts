/**
 * Score histograms per class as an SVG chart: reals in blue, fakes in red, each bar the share of
 * its class (so that classes of different sizes compare), on the score range [0, 1] when every
 * score lies in it.
 *
 * @packageDocumentation
 */
import { escapeXml } from '../xml.js';

/** Options of {@link histogramSvg}. */
export interface HistogramOptions {
  /** Chart title. */
  readonly title?: string;
  /** Number of bins. @default 20 */
  readonly bins?: number;
  /** Width in pixels. @default 320 */
  readonly width?: number;
  /** Height in pixels. @default 200 */
  readonly height?: number;
}

/** Shares of a class per bin. */
export function binShares(values: readonly number[], lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const span = hi - lo;
  for (const v of values) {
    const k = span > 0 ? Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / span) * bins))) : 0;
    counts[k]! += 1;
  }
  return counts.map((c) => (values.length > 0 ? c / values.length : 0));
}

/**
 * Renders the histograms of real (label 0) and fake (label 1) scores as one SVG element.
 *
 * @param labels - 0 = real, 1 = fake
 * @param scores - one score per label
 * @param options - title, bins and size
 */
export function histogramSvg(labels: readonly number[], scores: readonly number[], options: HistogramOptions = {}): string {
  const W = options.width ?? 320;
  const H = options.height ?? 200;
  const bins = options.bins ?? 20;
  const m = { l: 40, r: 8, t: 28, b: 34 };
  const finite = scores.filter((s) => Number.isFinite(s));
  const inUnit = finite.every((s) => s >= 0 && s <= 1);
  const lo = inUnit ? 0 : Math.min(...finite);
  const hi = inUnit ? 1 : Math.max(...finite);
  const real = scores.filter((s, i) => labels[i] === 0 && Number.isFinite(s));
  const fake = scores.filter((s, i) => labels[i] === 1 && Number.isFinite(s));
  const shares = [binShares(real, lo, hi, bins), binShares(fake, lo, hi, bins)];
  const top = Math.max(0.05, ...shares.flat());
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x = (k: number) => m.l + (k / bins) * pw;
  const y = (v: number) => m.t + ph - (v / top) * ph;
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11" role="img" aria-label="${escapeXml(options.title ?? 'score histogram')}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="12">${escapeXml(options.title ?? 'scores')}</text>`,
  ];
  const colors = ['#1f77b4', '#d62728'];
  shares.forEach((share, c) =>
    share.forEach((v, k) => {
      if (v <= 0) return;
      parts.push(`<rect x="${x(k).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(pw / bins).toFixed(1)}" height="${(m.t + ph - y(v)).toFixed(1)}" fill="${colors[c]}" fill-opacity="0.5" stroke="${colors[c]}" stroke-width="0.5"/>`);
    }),
  );
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  for (const f of [0, 0.5, 1]) {
    const xx = (m.l + f * pw).toFixed(1);
    parts.push(`<text x="${xx}" y="${H - m.b + 14}" text-anchor="middle">${(lo + f * (hi - lo)).toPrecision(2)}</text>`);
  }
  parts.push(`<text x="${m.l - 4}" y="${m.t + 4}" text-anchor="end">${(100 * top).toFixed(0)}%</text>`);
  parts.push(`<text x="${m.l - 4}" y="${m.t + ph}" text-anchor="end">0</text>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">score (P(fake))</text>`);
  parts.push(`<rect x="${m.l + 8}" y="${m.t + 6}" width="10" height="10" fill="${colors[0]}" fill-opacity="0.5"/><text x="${m.l + 22}" y="${m.t + 15}">real (${real.length})</text>`);
  parts.push(`<rect x="${m.l + 8}" y="${m.t + 22}" width="10" height="10" fill="${colors[1]}" fill-opacity="0.5"/><text x="${m.l + 22}" y="${m.t + 31}">fake (${fake.length})</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
