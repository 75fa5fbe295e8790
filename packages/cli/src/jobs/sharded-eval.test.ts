import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetItem } from '@rfm/data';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';
import { SHARD_SCORES_HEADER, shardItems } from './score-shard-job.js';
import { readShardScores } from './sharded-eval.js';

const BUNDLED = fileURLToPath(new URL('../../../../data/ffhq-stylegan2', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-sharded-eval-'));
// The worker processes run the TypeScript sources through tsx, which needs the repository's
// decorator settings (`pnpm rfm` sets the same variable).
process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../../../../tsconfig.run.json', import.meta.url));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const item = (id: string, group?: string): DatasetItem => ({ id, path: `/x/${id}`, label: 0, technique: 'real', ...(group ? { group } : {}) });

describe('sharding by video', () => {
  it('deals videos round-robin and never splits one; every item lands in exactly one shard', () => {
    const items = [item('a1', 'A'), item('b1', 'B'), item('a2', 'A'), item('p'), item('c1', 'C'), item('b2', 'B'), item('q')];
    const shards = [0, 1, 2].map((k) => shardItems(items, k, 3));
    expect(shards.map((s) => s.map((x) => x.item.id))).toEqual([['a1', 'a2', 'c1'], ['b1', 'b2', 'q'], ['p']]);
    expect(shards.flat().map((x) => x.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(shardItems(items, 0, 1).map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('reads shard files back exactly, ids with commas included', () => {
    const file = join(dir, 'shard.csv');
    writeFileSync(file, `${SHARD_SCORES_HEADER}\n3,fake/a,b.png,1,0.1234567890123456789,-2.5,gan\n0,real/x.png,0,5e-324,1,real\n`);
    expect(readShardScores(file)).toEqual([
      { index: 3, id: 'fake/a,b.png', label: 1, score: 0.12345678901234568, logitGap: -2.5, technique: 'gan' },
      { index: 0, id: 'real/x.png', label: 0, score: 5e-324, logitGap: 1, technique: 'real' },
    ]);
    writeFileSync(file, 'id,label,score\n');
    expect(() => readShardScores(file)).toThrow(expect.objectContaining({ code: 'RFM_SHARD_SCORES' }));
  });

  it('rfm eval --shards 2 on local worker processes prints the single-process report', async () => {
    const run = join(dir, 'run');
    let io = captureIO();
    expect(await runCli(['train', '--data', BUNDLED, '--out', run, '--size', '32', '--iterations', '2', '--eval-every', '2', '--backend', 'wasm'], io), io.stderr()).toBe(0);
    const evalArgs = ['eval', '--model', run, '--data', BUNDLED, '--json', '--backend', 'wasm', '--batch', '5'];
    io = captureIO();
    expect(await runCli(evalArgs, io), io.stderr()).toBe(0);
    const single = io.stdout();
    io = captureIO();
    expect(await runCli([...evalArgs, '--shards', '2'], io), io.stderr()).toBe(0);
    expect(io.stderr()).toMatch(/in 2 shard\(s\) on local worker processes/);
    expect(io.stdout()).toBe(single);
    io = captureIO();
    expect(await runCli(['eval', '--model', run, '--data', BUNDLED, '--queue', 'redis://127.0.0.1:1'], io)).toBe(2);
    expect(io.stderr()).toMatch(/--queue needs --shards K/);
    io = captureIO();
    expect(await runCli(['worker', '--queue', 'http://127.0.0.1:1'], io)).toBe(1);
    expect(io.stderr()).toMatch(/--queue http:\/\/127\.0\.0\.1:1: protocol http: is not supported \(expected redis:\/\/HOST:PORT/);
  });
});
