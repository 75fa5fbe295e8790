import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderDataset, REPO } from './testing/run-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = folderDataset(join(dir, 'data'), 8);
const PTY_DRIVER = join(REPO, 'packages', 'cli', 'src', 'testing', 'pty-driver.py');
const hasPython = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0;
const hasPnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0;
const node = [process.execPath, '--conditions=@rfm/source', join(REPO, 'scripts', 'rfm.mjs')];
/** A run far longer than the test: only a signal ends it. */
const longRun = (out: string) => ['train', '--data', data, '--out', out, '--size', '32', '--batch', '4', '--iterations', '100000', '--eval-every', '100000', '--backend', 'cpu'];

interface PtyResult {
  code: number;
  seconds: number;
  presses: number;
  output: string;
}

/** Runs `command` in a pseudo-terminal and presses Ctrl-C `presses` times once training prints its first loss. */
function inTerminal(command: string[], presses: number, gapSeconds = 0): PtyResult {
  const r = spawnSync('python3', [PTY_DRIVER, 'loss ', String(presses), String(gapSeconds), '150', '--', ...command], { cwd: REPO, encoding: 'utf8', timeout: 170_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PtyResult;
}

function checkpointStep(out: string): number {
  return (JSON.parse(readFileSync(join(out, 'checkpoint', 'state.json'), 'utf8')) as { step: number }).step;
}

describe('Ctrl-C and SIGTERM during rfm train', () => {
  it.skipIf(!hasPython || !hasPnpm)(
    'under pnpm in a terminal, Ctrl-C finishes the iteration, writes a checkpoint, says how to resume and exits 130',
    () => {
      const out = join(dir, 'pnpm');
      const r = inTerminal(['pnpm', 'rfm', ...longRun(out)], 1);
      expect(r.output).toMatch(/interrupt \(Ctrl-C\): finishing the current iteration and writing a checkpoint/);
      expect(r.output).toMatch(/stopped at iteration \d+ with a checkpoint; continue with: rfm train --out .* --resume/);
      const step = checkpointStep(out);
      expect(step).toBeGreaterThanOrEqual(1);
      expect(r.output).toContain(`stopped at iteration ${step} `);
      // pnpm ends the way a shell expects after Ctrl-C: killed by SIGINT (the shell shows 130), or 130.
      expect([130, -2]).toContain(r.code);
      const log = readFileSync(join(out, 'run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
      expect(log.at(-1)!.type).toBe('interrupted');
    },
    180_000,
  );

  it.skipIf(!hasPython)(
    'in a terminal, a second Ctrl-C exits at once with 130 and leaves the last complete checkpoint',
    () => {
      const out = join(dir, 'twice');
      const r = inTerminal([...node, ...longRun(out)], 2, 0.3);
      expect(r.presses).toBe(2);
      expect(r.code).toBe(130);
      expect(r.output).toMatch(/SIGINT: stopping at once \(exit 130\)/);
      expect(r.seconds).toBeLessThan(20);
      // Either no checkpoint yet, or a complete one: never a half-written folder.
      if (existsSync(join(out, 'checkpoint'))) expect(checkpointStep(out)).toBeGreaterThanOrEqual(1);
    },
    180_000,
  );

  it(
    'SIGTERM finishes the iteration, writes a checkpoint and exits 143',
    async () => {
      const out = join(dir, 'term');
      const child = spawn(node[0]!, [...node.slice(1), ...longRun(out)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let sent = false;
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (!sent && / loss /.test(stderr)) {
            sent = true;
            child.kill('SIGTERM');
          }
        });
        child.on('exit', (c) => resolve(c));
      });
      expect(code, stderr).toBe(143);
      expect(stderr).toMatch(/SIGTERM: finishing the current iteration and writing a checkpoint/);
      expect(checkpointStep(out)).toBeGreaterThanOrEqual(1);
    },
    180_000,
  );
});
