import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';
import type { ReportData, ReportImage } from './report-model.js';

// A 1x1 PNG, enough to check that images are embedded as data URIs.
const PIXEL: ReportImage = {
  dataUri: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgAB4iG8MwAAAABJRU5ErkJggg==',
  width: 1,
  height: 1,
  alt: 'pixel',
};

function data(overrides: Partial<ReportData> = {}): ReportData {
  return {
    kind: 'compare',
    title: 'rfm compare: none, sfe <on> "data"',
    summary: 'two detectors',
    createdAt: '2026-11-30T00:00:00.000Z',
    table: {
      caption: 'test split',
      columns: 'compare',
      baseline: 'none',
      rows: [
        { name: 'none', auc: 0.8, aucCi95: [0.75, 0.85], tdr: [{ fdr: 0.01, tdr: 0.2, reliable: true }, { fdr: 0.001, tdr: 0.1, reliable: false }], ap: 0.79, eer: 0.27, ms: 61_000 },
        { name: 'sfe', auc: 0.83, tdr: [{ fdr: 0.01, tdr: 0.25, reliable: true }], diff: { auc: 0.03, aucCi95: [0.01, 0.05] } },
        { name: 're', auc: 0.78, diff: { auc: -0.02, aucCi95: [-0.04, -0.001] } },
      ],
      seeds: [{ method: 'sfe', n: 3, auc: { mean: 0.82, std: 0.01 }, diffToBaseline: { mean: 0.02, std: 0.005 } }],
    },
    scores: [
      { name: 'none', labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8] },
      { name: 'sfe', labels: [0, 0, 1, 1], scores: [0.1, 0.2, 0.7, 0.9] },
    ],
    attention: {
      method: 'fam',
      techniques: ['real', 'fake'],
      imagesPerTechnique: { real: 2, fake: 2 },
      meanFaces: [PIXEL, PIXEL],
      rows: [{ name: 'none', maps: [PIXEL, PIXEL], similarity: [[1, 0.9], [0.9, 1]] }],
      source: 'test split',
    },
    erasing: { ids: ['a.png'], labels: [1], originals: [PIXEL], rows: [{ method: 'sfe', guidedBy: 'the sfe detector', erased: [PIXEL], masks: [PIXEL] }] },
    provenance: { backend: 'wasm', versions: { node: 'v20' }, dataHash: 'ab'.repeat(32), data: '/data', config: { seed: 5 } },
    ...overrides,
  };
}

describe('renderReport', () => {
  it('prints every metric with its raw value, CIs, differences and marks', () => {
    const html = renderReport(data());
    expect(html).toContain('<td class="num" data-metric="auc" data-value="0.8">80.00</td>');
    expect(html).toContain('data-metric="auc-ci95" data-low="0.75" data-high="0.85">[75.00, 85.00]</td>');
    expect(html).toContain('data-metric="tdr@0.001" data-value="0.1">10.00 †</td>');
    expect(html).toMatch(/class="num gain" data-metric="diff-auc" data-value="0.03">\+3.00</);
    expect(html).toMatch(/class="num loss" data-metric="diff-auc" data-value="-0.02">-2.00</);
    expect(html).toContain('data-metric="diff-auc-ci95" data-low="0.01" data-high="0.05">[+1.00, +5.00]</td>');
    expect(html).toContain('>baseline</td>');
    expect(html).toContain('82.00 ± 1.00');
    expect(html).toContain('1m01s');
  });

  it('shows "-" for what comparison.json does not hold', () => {
    const html = renderReport(data());
    // sfe has no AUC interval, no AP, no EER, no time; re has no TDR.
    const sfe = html.slice(html.indexOf('data-row="sfe"'), html.indexOf('data-row="re"'));
    expect(sfe).toContain('<td class="num ci" data-metric="auc-ci95">-</td>');
    expect(sfe).toContain('<td class="num" data-metric="ap">-</td>');
    expect(sfe).toContain('<td class="num" data-metric="tdr@0.001">-</td>');
    expect(sfe).toContain('<td class="num" data-metric="ms">-</td>');
  });

  it('is self-contained: no script, every image a data URI, no external reference', () => {
    const html = renderReport(data());
    expect(html).not.toMatch(/<script/i);
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(r.startsWith('data:'), r).toBe(true);
    expect(html).not.toMatch(/url\(/);
  });

  it('escapes names and says why a missing figure is missing', () => {
    const html = renderReport(data({ attention: undefined, attentionMissing: 'No image to average.', erasing: undefined, erasingMissing: 'This run uses no erasing.' }));
    expect(html).toContain('none, sfe &lt;on&gt; &quot;data&quot;');
    expect(html).not.toContain('<on>');
    expect(html).toContain('No image to average.');
    expect(html).toContain('This run uses no erasing.');
  });

  it('adds the per-region section only when the data holds less-forgery or blended fakes', () => {
    expect(renderReport(data())).not.toContain('id="less-forgery"');
    const forgeryTable = {
      caption: 'test split',
      reference: ['stylegan2'],
      columns: [{ technique: 'less-eyes', label: 'eyes real' }],
      rows: [{ name: 'none', fullAuc: 0.9, cells: [{ technique: 'less-eyes', nFake: 4, auc: 0.7, drop: -0.2 }] }],
    };
    const html = renderReport(data({ forgeryTable }));
    expect(html).toContain('<h2 id="less-forgery">');
    expect(html).toContain('data-metric="less-eyes-auc" data-value="0.7">70.00</td>');
  });

  it('lays out single-run tables by technique with counts', () => {
    const html = renderReport(
      data({
        kind: 'train',
        table: { caption: 'test', columns: 'train', rows: [{ name: 'all', nReal: 9, nFake: 7, auc: 0.5, acc: 0.6 }] },
      }),
    );
    expect(html).toContain('<th scope="col">technique</th>');
    expect(html).toContain('9 / 7');
    expect(html).toContain('data-metric="acc" data-value="0.6">60.00</td>');
    expect(html).not.toContain('ΔAUC');
  });
});
