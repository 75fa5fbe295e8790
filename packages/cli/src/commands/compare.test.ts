import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';

const BUNDLED = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-compare-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder dataset with the first `real` and `fake` images of the bundled set. */
function smallDataset(name: string, real: number, fake: number): string {
  const root = join(dir, name);
  for (const [cls, n] of [['real', real], ['fake', fake]] as const) {
    mkdirSync(join(root, cls), { recursive: true });
    for (const f of readdirSync(join(BUNDLED, cls)).sort().slice(0, n)) copyFileSync(join(BUNDLED, cls, f), join(root, cls, f));
  }
  return root;
}

describe('rfm compare', () => {
  it('runs a config file: two methods, two seeds, a two-budget sweep, with intervals and paired differences', async () => {
    const out = join(dir, 'sweep');
    const config = join(dir, 'experiment.json');
    writeFileSync(
      config,
      JSON.stringify({ data: BUNDLED, size: 32, methods: ['none', { name: 're', options: { probability: 1 } }], budgets: [2, 4], evalEvery: 2, seeds: 2, bootstrap: { resamples: 200 } }),
    );
    const io = captureIO();
    expect(await runCli(['compare', '--config', config, '--out', out, '--backend', 'wasm'], io), io.stderr()).toBe(0);
    const c = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8'));
    expect(c.schema).toBe(2);
    expect(c.baseline).toBe('none');
    expect(c.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.versions['tfjs-core']).toBe('4.22.0');
    expect(c.methods.map((m: { method: string; seed: number; run: string }) => `${m.method}:${m.seed}:${m.run}`)).toEqual([
      'none:5:none/seed-5',
      're:5:re/seed-5',
      'none:6:none/seed-6',
      're:6:re/seed-6',
    ]);
    for (const m of c.methods) {
      expect(m.ci95.auc[0]).toBeLessThanOrEqual(m.test.overall.auc);
      expect(m.ci95.auc[1]).toBeGreaterThanOrEqual(m.test.overall.auc);
      expect(existsSync(join(out, m.run, 'test-scores.csv'))).toBe(true);
    }
    for (const seed of [5, 6]) {
      const base = c.methods.find((m: { method: string; seed: number }) => m.method === 'none' && m.seed === seed);
      const re = c.methods.find((m: { method: string; seed: number }) => m.method === 're' && m.seed === seed);
      expect(base.diffToBaseline).toBeUndefined();
      expect(re.diffToBaseline.auc).toBeCloseTo(re.test.overall.auc - base.test.overall.auc, 12);
      expect(re.diffToBaseline.ci95[0]).toBeLessThanOrEqual(re.diffToBaseline.auc);
      expect(re.diffToBaseline.ci95[1]).toBeGreaterThanOrEqual(re.diffToBaseline.auc);
    }
    expect(c.seeds.map((s: { method: string; n: number }) => `${s.method}:${s.n}`)).toEqual(['none:2', 're:2']);
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(sweep.budgets.map((b: { iterations: number }) => b.iterations)).toEqual([2, 4]);
    expect(sweep.budgets[1].methods).toEqual(c.methods);
    const saved = JSON.parse(readFileSync(join(out, 'compare-config.json'), 'utf8'));
    expect(saved.budgets).toEqual([2, 4]);
    expect(saved.methods[1]).toEqual({ name: 're', options: { probability: 1 } });
    const log = readFileSync(join(out, 're/seed-5/run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((r) => r.type === 'eval').map((r) => r.step)).toEqual([2, 4]);
    expect(io.stdout()).toMatch(/Δ AUC vs none/);
    expect(io.stdout()).toMatch(/mean ± standard deviation/);
    expect(io.stderr()).toMatch(/\| all /);
  }, 120_000);

  it('refuses bad experiments with exit 2, one line, and nothing written', async () => {
    const write = (name: string, body: unknown) => {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(body));
      return path;
    };
    const oneClass = smallDataset('one-class', 6, 0);
    const tiny = smallDataset('tiny', 3, 3);
    const cases: [string[], RegExp][] = [
      [['--config', write('unknown-method', { data: BUNDLED, methods: ['none', 'cutmix'] })], /methods\[1\].*cutmix/],
      [['--config', write('negative-seeds', { data: BUNDLED, seeds: -1 })], /field "seeds".*-1/],
      [['--config', write('unknown-field', { data: BUNDLED, iterationz: 3 })], /field "iterationz"/],
      [['--config', write('bad-option', { data: BUNDLED, methods: [{ name: 'sfe', options: { blocks: 0 } }] })], /methods\[0\]\.options\.blocks/],
      [['--config', write('budgets', { data: BUNDLED, budgets: [4, 2] })], /field "budgets".*ascending/],
      [['--config', write('beside', { data: BUNDLED }), '--iterations', '3'], /put --iterations in the file \(only --out, --queue, --backend, --wasm-threads and --tf-threads/],
      [['--data', BUNDLED, '--seeds', '-1'], /--seeds/],
      [['--data', BUNDLED, '--methods', 'none,cutmix'], /cutmix/],
      [['--data', oneClass, '--size', '32'], /only real images/],
      [['--data', tiny, '--size', '32'], /split .* at least 2 of each/],
    ];
    for (const [args, message] of cases) {
      const out = join(dir, 'not-written');
      const io = captureIO();
      expect(await runCli(['compare', ...args, '--out', out, '--backend', 'wasm'], io), args.join(' ')).toBe(2);
      const lines = io.stderr().trim().split('\n').filter((l) => !l.startsWith('backend:'));
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(existsSync(out), args.join(' ')).toBe(false);
    }
  }, 60_000);
});
