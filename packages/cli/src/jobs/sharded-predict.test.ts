import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFfmpeg } from '@rfm/faces';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from '../capture-io.js';
import { runCli } from '../main.js';
import { predictShardJobs } from './sharded-predict.js';

const DATA = fileURLToPath(new URL('../../../../data/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rfm-sharded-predict-'));
// The worker processes run the TypeScript sources through tsx, which needs the repository's
// decorator settings (`pnpm rfm` sets the same variable).
process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../../../../tsconfig.run.json', import.meta.url));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under `root` (relative path -> bytes). */
function tree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of readdirSync(root).sort()) for (const f of readdirSync(join(root, d)).sort()) files.set(`${d}/${f}`, readFileSync(join(root, d, f)).toString('base64'));
  return files;
}

describe('rfm predict --shards', () => {
  it('deals sources round-robin to shards with their positions; the plan names the shard folder', () => {
    const plan = { model: '/runs/a', sources: ['/x/0.jpg', '/x/1.mp4', '/x/2.jpg'], shards: 2, frames: undefined, backend: 'wasm' as const };
    const { dir: shardDir, payloads } = predictShardJobs(plan, '/shards');
    expect(payloads.map((p) => p.sources)).toEqual([[{ index: 0, path: '/x/0.jpg' }, { index: 2, path: '/x/2.jpg' }], [{ index: 1, path: '/x/1.mp4' }]]);
    expect(payloads.map((p) => p.out)).toEqual([join(shardDir, 'shard-0-of-2.json'), join(shardDir, 'shard-1-of-2.json')]);
    expect('frames' in payloads[0]!).toBe(false);
    expect(predictShardJobs({ ...plan, frames: 4 }, '/shards').dir).not.toBe(shardDir);
  });

  it('on 2 local worker processes writes the same JSON and attention maps as one process', async () => {
    const run = join(dir, 'run');
    let io = captureIO();
    expect(await runCli(['train', '--data', join(DATA, 'ffhq-stylegan2'), '--out', run, '--size', '32', '--iterations', '2', '--eval-every', '2', '--backend', 'wasm'], io), io.stderr()).toBe(0);
    // Three portraits, a file that is no image (reported unreadable) and, with ffmpeg, a video.
    const inputs = ['001_03.jpg', '002_03.jpg', 'SOURCE.md', '003_03.jpg'].map((f) => join(DATA, 'london-faces', f));
    if (findFfmpeg()) inputs.splice(1, 0, join(DATA, 'videos', 'head-pose-face-detection-female.mp4'));
    const predict = async (extra: string[]): Promise<{ code: number; io: ReturnType<typeof captureIO> }> => {
      const out = captureIO();
      const code = await runCli(['predict', '--model', run, ...inputs, '--frames', '2', '--backend', 'wasm', ...extra], out);
      return { code, io: out };
    };
    const shardFlags = ['--shards', '2', '--shard-dir', join(dir, 'shards')];
    const single = await predict(['--json', '--fam', join(dir, 'single-fam')]);
    expect(single.code, single.io.stderr()).toBe(1);
    const sharded = await predict(['--json', '--fam', join(dir, 'sharded-fam'), ...shardFlags]);
    expect(sharded.code, sharded.io.stderr()).toBe(1);
    expect(sharded.io.stderr()).toMatch(new RegExp(`predict: ${inputs.length} source\\(s\\) in 2 shard\\(s\\) on local worker processes`));
    const workers = [...sharded.io.stderr().matchAll(/predict: shard (\d)\/2: (\d) source\(s\) by worker (\S+)/g)];
    expect(workers.map((m) => [m[1], m[2]])).toEqual([['1', String(Math.ceil(inputs.length / 2))], ['2', String(Math.floor(inputs.length / 2))]]);
    expect(sharded.io.stdout()).toBe(single.io.stdout());
    const report = JSON.parse(single.io.stdout()) as { sources: { status: string }[] };
    expect(report.sources.map((s) => s.status)).toEqual(inputs.map((f) => (f.endsWith('.md') ? 'unreadable' : 'scored')));
    const singleFams = tree(join(dir, 'single-fam'));
    expect(singleFams.size).toBeGreaterThanOrEqual(3);
    expect(tree(join(dir, 'sharded-fam'))).toEqual(singleFams);

    // The text lines and the CSV are drawn from these same verdicts by the same functions.
    expect(existsSync(join(dir, 'shards'))).toBe(true);

    io = captureIO();
    expect(await runCli(['predict', '--model', run, inputs[0]!, '--queue', 'redis://127.0.0.1:1'], io)).toBe(2);
    expect(io.stderr()).toMatch(/--queue needs --shards K/);
  });
});
