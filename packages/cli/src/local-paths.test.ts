import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from './capture-io.js';
import { checkLocalPath } from './local-paths.js';
import { runCli } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-local-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('object-store URLs given as paths', () => {
  it('are refused with the value and the fix (mount the store); paths pass', () => {
    expect(() => checkLocalPath('eval: --data', 's3://bucket/faces')).toThrow(
      expect.objectContaining({ code: 'RFM_CLI_USAGE', message: expect.stringMatching(/^eval: --data s3:\/\/bucket\/faces: rfm reads and writes files on local paths only, not s3:\/\/ URLs; mount the store .*mountpoint-s3/) }),
    );
    expect(() => checkLocalPath('x', 'GS://b/x')).toThrow(/not gs:\/\/ URLs/);
    for (const path of ['/mnt/s3/faces', 'runs/a', 'C:\\data', 'name:with-colon']) expect(() => checkLocalPath('x', path)).not.toThrow();
  });

  it('exit with code 2 from every command that takes paths, before anything is written', async () => {
    const config = join(dir, 'grid.json');
    writeFileSync(config, JSON.stringify({ data: 'gs://bucket/faces', iterations: 2 }));
    for (const [args, pattern] of [
      [['eval', '--model', 's3://bucket/run', '--data', '/tmp'], /eval: --model s3:\/\/bucket\/run: rfm reads .* mount the store/],
      [['train', '--data', 's3://bucket/faces', '--out', join(dir, 'run')], /train: --data s3:\/\/bucket\/faces/],
      [['predict', '--model', '/tmp', 's3://bucket/a.jpg'], /predict: INPUT s3:\/\/bucket\/a\.jpg/],
      [['prepare', '--input', 'https://example.org/v.mp4', '--out', join(dir, 'faces')], /prepare: --input https:\/\/example\.org\/v\.mp4: .* not https:\/\/ URLs/],
      [['compare', '--config', config, '--out', join(dir, 'grid')], /field "data" gs:\/\/bucket\/faces: rfm reads/],
    ] as const) {
      const io = captureIO();
      expect(await runCli([...args], io), args.join(' ')).toBe(2);
      expect(io.stderr()).toMatch(pattern);
    }
  });
});
