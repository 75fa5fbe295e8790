/**
 * The attention-similarity matrix (paper Fig. 8) as a labelled heat map: technique names on both
 * axes, the cosine printed in every cell, colours stretched over the matrix's own range so that
 * small differences stay visible.
 *
 * @packageDocumentation
 */
import { jetColor } from './images/colormap.js';
import { escapeXml } from './xml.js';

/**
 * Renders the matrix as an SVG document.
 *
 * @param names - row/column labels
 * @param matrix - square matrix of cosines
 * @param title - chart title
 */
export function similaritySvg(names: readonly string[], matrix: readonly (readonly number[])[], title: string): string {
  const n = names.length;
  const cell = 72;
  const left = 16 + 8 * Math.max(...names.map((s) => s.length), 4);
  const top = 56 + 8 * Math.min(24, Math.max(...names.map((s) => s.length), 4));
  const W = Math.max(440, left + n * cell + 24);
  const H = top + n * cell + 24;
  const values = matrix.flat();
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const scale = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<text x="${W / 2}" y="38" text-anchor="middle" fill="#555">colour from ${lo.toFixed(4)} (blue) to ${hi.toFixed(4)} (red)</text>`,
  ];
  names.forEach((name, i) => {
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(name)}</text>`);
    const x = left + i * cell + cell / 2;
    parts.push(`<text transform="translate(${x} ${top - 8}) rotate(-45)" text-anchor="start">${escapeXml(name)}</text>`);
  });
  matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      const [r, g, b] = jetColor(scale(v));
      const light = (r! * 299 + g! * 587 + b! * 114) / 1000 > 140;
      parts.push(`<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})" stroke="white"/>`);
      parts.push(
        `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2}" text-anchor="middle" dominant-baseline="middle" fill="${light ? 'black' : 'white'}">${v.toFixed(4)}</text>`,
      );
    }),
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
