/**
 * End-to-end check of report.html: a tiny real comparison (4 erasing methods, 4 iterations at
 * 32 px on wasm), its train and eval reports, each loaded in Debian's headless chromium (driven
 * by playwright-core, which downloads no browser). The page must load with no console error and
 * no request beyond itself and data URIs, every image and chart must be drawn and not blank, and
 * the table must print the numbers of comparison.json / metrics.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';
import { gatherComparisonReport } from './gather-report.js';
import { renderReport } from './render-report.js';
import { writeTrainReport } from './write-report.js';

const BUNDLED = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const CHROMIUM = process.env.RFM_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const dir = mkdtempSync(join(tmpdir(), 'rfm-report-'));
const compareDir = join(dir, 'compare');
const evalReport = join(dir, 'eval.html');

interface PageCheck {
  readonly errors: string[];
  readonly requests: string[];
  readonly figures: { what: string; width: number; height: number; loaded: boolean; std: number }[];
  readonly rows: { row: string; cells: Record<string, { text: string; value?: string }> }[];
  readonly screenshot: Buffer;
}

/** Loads `file` in chromium and measures what the test asserts. */
async function inspect(browser: Browser, file: string): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  const requests: string[] = [];
  const self = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url().slice(0, 80)}`));
  page.on('request', (r) => {
    if (r.url() !== self && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(self, { waitUntil: 'load' });
  // Measure and shoot at the full page height, so that no scrollbar or resize moves the layout
  // between the two.
  const fullHeight = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height: fullHeight });
  const boxes = await page.evaluate(() => {
    const out: { what: string; x: number; y: number; width: number; height: number; loaded: boolean }[] = [];
    const els = [...Array.from(document.querySelectorAll('img')), ...Array.from(document.querySelectorAll('[data-chart] svg'))];
    for (const el of els) {
      const r = el.getBoundingClientRect();
      const loaded = el instanceof HTMLImageElement ? el.complete && el.naturalWidth > 0 : true;
      const what = el instanceof HTMLImageElement ? `img ${el.alt}` : `chart ${el.getAttribute('aria-label') ?? el.closest('[data-chart]')!.getAttribute('data-chart')}`;
      out.push({ what, x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height, loaded });
    }
    return out;
  });
  const rows = await page.evaluate(() =>
    Array.from(document.querySelectorAll('table.results:not(.seeds) tbody tr')).map((tr) => ({
      row: (tr as HTMLElement).dataset.row!,
      cells: Object.fromEntries(
        Array.from(tr.querySelectorAll('td[data-metric]')).map((td) => [(td as HTMLElement).dataset.metric!, { text: td.textContent!, value: (td as HTMLElement).dataset.value }]),
      ),
    })),
  );
  const screenshot = await page.screenshot();
  await page.close();
  const { data, info } = await sharp(screenshot).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const png: RgbaImage = { data, width: info.width, height: info.height };
  const figures = boxes.map((b) => ({ what: b.what, width: b.width, height: b.height, loaded: b.loaded, std: regionStd(png, b) }));
  return { errors, requests, figures, rows, screenshot };
}

/** Decoded RGBA pixels of a screenshot. */
interface RgbaImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Standard deviation of the grey level of a region of an RGBA screenshot: 0 for a blank box. */
function regionStd(png: RgbaImage, box: { x: number; y: number; width: number; height: number }): number {
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  // One pixel inside the element's box, so that its surroundings never count.
  const x0 = Math.max(0, Math.ceil(box.x) + 1);
  const y0 = Math.max(0, Math.ceil(box.y) + 1);
  const x1 = Math.min(png.width, Math.floor(box.x + box.width) - 1);
  const y1 = Math.min(png.height, Math.floor(box.y + box.height) - 1);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const k = (y * png.width + x) * 4;
      const v = 0.299 * png.data[k]! + 0.587 * png.data[k + 1]! + 0.114 * png.data[k + 2]!;
      sum += v;
      sum2 += v * v;
      n++;
    }
  }
  return n === 0 ? 0 : Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2));
}

function expectCleanPage(check: PageCheck, minFigures: number): void {
  expect(check.errors).toEqual([]);
  expect(check.requests).toEqual([]);
  expect(check.figures.length).toBeGreaterThanOrEqual(minFigures);
  for (const f of check.figures) {
    expect(f.loaded, f.what).toBe(true);
    expect(f.width * f.height, f.what).toBeGreaterThan(100);
    expect(f.std, `${f.what} is blank`).toBeGreaterThan(2);
  }
}

const pct = (x: number) => (100 * x).toFixed(2);

describe('report.html of a tiny real comparison', () => {
  let browser: Browser | undefined;
  let tensorsLeft = Number.NaN;

  beforeAll(async () => {
    const args = ['compare', '--data', BUNDLED, '--out', compareDir, '--size', '32', '--iterations', '4', '--eval-every', '2', '--methods', 'none,sfe,re,ae', '--backend', 'wasm'];
    const io = captureIO();
    expect(await runCli(args, io), io.stderr()).toBe(0);
    const trainIo = captureIO();
    const before = tf.memory().numTensors;
    await writeTrainReport(join(compareDir, 'sfe'), trainIo);
    tensorsLeft = tf.memory().numTensors - before;
    const evalIo = captureIO();
    expect(await runCli(['eval', '--model', join(compareDir, 'sfe'), '--data', BUNDLED, '--report', evalReport, '--backend', 'wasm'], evalIo), evalIo.stderr()).toBe(0);
    if (HAVE_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes report.html whose table holds the numbers of comparison.json', () => {
    const html = readFileSync(join(compareDir, 'report.html'), 'utf8');
    const comparison = JSON.parse(readFileSync(join(compareDir, 'comparison.json'), 'utf8'));
    for (const m of comparison.methods) {
      const row = html.slice(html.indexOf(`data-row="${m.method}"`));
      expect(row, m.method).toContain(`data-metric="auc" data-value="${m.test.overall.auc}">${pct(m.test.overall.auc)}<`);
      expect(row, m.method).toContain(`data-metric="ap" data-value="${m.test.overall.ap}">${pct(m.test.overall.ap)}<`);
    }
    expect(existsSync(join(compareDir, 'sfe', 'report.html'))).toBe(true);
    expect(existsSync(evalReport)).toBe(true);
    expect(tensorsLeft, 'tensors left by writeTrainReport').toBe(0);
  });

  it('reads the schema 2 fields of comparison.json: intervals, paired differences, seeds, run folders', async () => {
    const comparison = JSON.parse(readFileSync(join(compareDir, 'comparison.json'), 'utf8'));
    const schema2 = {
      ...comparison,
      schema: 2,
      baseline: 'none',
      backend: 'wasm',
      dataHash: 'f'.repeat(64),
      methods: comparison.methods.map((m: { method: string; test: { overall: { auc: number } } }, i: number) => ({
        ...m,
        seed: 1,
        run: join(compareDir, m.method), // absolute: the report must accept both forms
        ci95: { auc: [m.test.overall.auc - 0.05, m.test.overall.auc + 0.05], ap: [0.1, 0.9] },
        ...(m.method === 'none' ? {} : { diffToBaseline: { auc: 0.01 * i, ci95: [0.002 * i, 0.02 * i], ap: 0, apCi95: [-0.1, 0.1] } }),
      })),
      seeds: [{ method: 'sfe', n: 1, auc: { mean: 0.6, std: 0 }, diffToBaseline: { mean: 0.01, std: 0 } }],
    };
    const copy = join(dir, 'schema2');
    mkdirSync(copy);
    writeFileSync(join(copy, 'comparison.json'), JSON.stringify(schema2));
    const data = await gatherComparisonReport(copy, captureIO(), { imagesPerTechnique: 2, erasingImages: 1 });
    expect(data.table.baseline).toBe('none');
    expect(data.provenance.dataHash).toBe('f'.repeat(64));
    expect(data.attention!.rows.map((r) => r.name)).toEqual(['none', 'sfe', 're', 'ae']);
    expect(data.erasing!.rows.map((r) => r.method)).toEqual(['sfe', 're', 'ae']);
    const html = renderReport(data);
    const sfe = schema2.methods[1];
    expect(html).toContain(`data-metric="auc-ci95" data-low="${sfe.ci95.auc[0]}" data-high="${sfe.ci95.auc[1]}"`);
    expect(html).toContain('data-metric="diff-auc" data-value="0.01">+1.00</td>');
    expect(html).toContain('data-metric="diff-auc-ci95" data-low="0.002" data-high="0.02">[+0.20, +2.00]</td>');
    expect(html).toMatch(/class="num gain" data-metric="diff-auc" data-value="0.02"/);
    expect(html).toContain('60.00 ± 0.00');
  });

  it('refuses an --report that is not an .html file with exit 2 and one line', async () => {
    const io = captureIO();
    expect(await runCli(['eval', '--model', join(compareDir, 'sfe'), '--data', BUNDLED, '--report', join(dir, 'r.txt')], io)).toBe(2);
    expect(io.stderr().trim().split('\n')).toHaveLength(1);
    expect(io.stderr()).toMatch(/--report.*\.html/);
    expect(existsSync(join(dir, 'r.txt'))).toBe(false);
  });

  it.skipIf(!HAVE_CHROMIUM)(`loads in headless chromium: no console error, no request, figures drawn, table = comparison.json (needs ${CHROMIUM})`, async () => {
    const check = await inspect(browser!, join(compareDir, 'report.html'));
    // 1 ROC + 4 histograms + 4 similarity charts; 2 mean faces + 4x2 maps; 6 inputs + 3 methods x 6 x 2.
    expectCleanPage(check, 9 + 10 + 42);
    const comparison = JSON.parse(readFileSync(join(compareDir, 'comparison.json'), 'utf8'));
    expect(check.rows.map((r) => r.row)).toEqual(comparison.methods.map((m: { method: string }) => m.method));
    for (const [i, m] of comparison.methods.entries()) {
      const cells = check.rows[i]!.cells;
      const o = m.test.overall;
      for (const key of ['auc', 'ap', 'eer'] as const) {
        expect(Number(cells[key]!.value), `${m.method} ${key}`).toBe(o[key]);
        expect(cells[key]!.text, `${m.method} ${key}`).toBe(pct(o[key]));
      }
      for (const fdr of [0.01, 0.001]) {
        const point = o.tdr.find((p: { fdr: number }) => p.fdr === fdr);
        expect(cells[`tdr@${fdr}`]!.text).toBe(`${pct(point.tdr)}${point.reliable ? '' : ' †'}`);
      }
      expect(cells.ms!.value).toBe(String(m.ms));
      // Intervals and differences: the numbers when comparison.json has them, '-' when it does not.
      expect(cells['auc-ci95']!.text).toBe(m.ci95?.auc ? `[${pct(m.ci95.auc[0])}, ${pct(m.ci95.auc[1])}]` : '-');
      if (m.method !== (comparison.baseline ?? 'none')) {
        expect(cells['diff-auc']!.value === undefined ? undefined : Number(cells['diff-auc']!.value)).toBe(m.diffToBaseline?.auc);
      }
    }
    if (process.env.RFM_REPORT_SCREENSHOT) (await import('node:fs')).writeFileSync(process.env.RFM_REPORT_SCREENSHOT, check.screenshot);
  });

  it.skipIf(!HAVE_CHROMIUM)('train and eval reports load cleanly with their metrics', async () => {
    const train = await inspect(browser!, join(compareDir, 'sfe', 'report.html'));
    // 1 ROC + 1 histogram + 1 similarity; 2 faces + 2 maps; 6 inputs + 6 erased + 6 masks.
    expectCleanPage(train, 3 + 4 + 18);
    const metrics = JSON.parse(readFileSync(join(compareDir, 'sfe', 'metrics.json'), 'utf8'));
    expect(Number(train.rows[0]!.cells.auc!.value)).toBe(metrics.test.overall.auc);
    const evaluated = await inspect(browser!, evalReport);
    expectCleanPage(evaluated, 3 + 4 + 18);
    // eval scores the run's test split with the best model: the same AUC as training reported.
    expect(Number(evaluated.rows[0]!.cells.auc!.value)).toBeCloseTo(metrics.test.overall.auc, 10);
  });
});
