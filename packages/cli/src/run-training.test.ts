import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, truncateSync, writeFileSync, chmodSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIO } from './capture-io.js';
import { runCli } from './main.js';
import { copyFaces, FAST, folderDataset, manifestDataset, REPO, runRfmProcess } from './testing/run-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-run-training-'));
const canMount = process.platform === 'linux' && spawnSync('unshare', ['-m', 'true']).status === 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIO();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const readLog = (run: string) => readFileSync(join(run, 'run.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** A crash between the two renames of a save: only `name.old` is left. */
function crashMidSave(run: string): void {
  for (const name of ['model', 'checkpoint']) renameSync(join(run, name), join(run, `${name}.old`));
  expect(readdirSync(run).filter((n) => n.endsWith('.old'))).toEqual(['checkpoint.old', 'model.old']);
}

describe('rfm train: no hang, nothing half-written', () => {
  it('refuses --out under /proc at once (Node recursive mkdir spins there forever)', () => {
    const data = folderDataset(join(dir, 'proc-data'), 2);
    const r = runRfmProcess(['train', '--data', data, '--out', '/proc/rfm-x/run', ...FAST], 60_000);
    expect(r.signal, 'killed after 60 s: it hangs').toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^rfm train: Cannot write \/proc\/rfm-x\/run: the filesystem of \/proc does not allow new files or folders/);
  }, 90_000);

  it('checks every split for both classes before training, names the split, writes nothing, and warns first about a huge --size', async () => {
    const manifest = manifestDataset(join(dir, 'no-val-fake'), { train: { real: 2, fake: 2 }, validation: { real: 1, fake: 0 }, test: { real: 1, fake: 1 } });
    const out = join(dir, 'no-val-fake-run');
    const r = await cli(['train', '--data', manifest, '--out', out, ...FAST, '--size', '4096', '--iterations', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^warning: --size 4096 with --batch 4 needs about \d+ GiB per iteration \(estimated from the layer outputs\)/m);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^rfm train: .*faces\.csv: the validation split has 1 real and 0 fake image\(s\); it lacks a fake image\./);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it.skipIf(!canMount)(
    'a run that fails on a full disk names the file and removes config.json and run.jsonl (no log without a run)',
    () => {
      const data = folderDataset(join(dir, 'full-data'), 6);
      const out = join(dir, 'full');
      mkdirSync(out);
      // 8 KiB of tmpfs: config.json and run.jsonl fit, the first model save does not.
      const rfm = [process.execPath, '--conditions=@rfm/source', join(REPO, 'scripts', 'rfm.mjs')].map((a) => `'${a}'`).join(' ');
      const script = `mount -t tmpfs -o size=8k tmpfs '${out}' && ${rfm} train --data '${data}' --out '${out}' ${FAST.join(' ')} --iterations 2; code=$?; echo "left: $(ls -A '${out}')"; exit $code`;
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^rfm train: Cannot write ${out}/\\S+: no space left on the device; free some space or choose another disk\\.$`));
      expect(r.stderr).not.toMatch(/\.tmp/);
      expect(r.stdout.trim()).toBe('left:');
    },
    150_000,
  );
});

const isRoot = process.getuid?.() === 0;

describe('unreadable files by permission', () => {
  // root reads every file whatever its mode, so this case cannot be built when the tests run as root.
  it.skipIf(isRoot)('train --skip-bad-images skips a file it may not read (EACCES) and hashes the rest', async () => {
    const data = folderDataset(join(dir, 'eacces'), 6);
    const locked = join(data, 'fake', 'locked.jpg');
    writeFileSync(locked, readFileSync(join(data, 'fake', 'fake0.jpg')));
    chmodSync(locked, 0);
    const out = join(dir, 'eacces-run');
    const r = await cli(['train', '--data', data, '--out', out, ...FAST, '--iterations', '2', '--skip-bad-images']);
    expect(r.code, r.stderr).toBe(0);
    const config = readLog(out).find((l) => l.type === 'config') as { dataset: { skipped: { id: string }[] } };
    expect(config.dataset.skipped.map((s) => s.id)).toEqual(['fake/locked.jpg']);
  }, 120_000);
});

describe('a run folder after a crash mid-save, resume rules, unreadable files', () => {
  const data = folderDataset(join(dir, 'data'), 8);
  // Unreadable entries in train's dataset: a dangling link and a symlink loop.
  symlinkSync(join(dir, 'missing.jpg'), join(data, 'real', 'dangling.jpg'));
  symlinkSync(join(data, 'fake', 'loop.jpg'), join(data, 'fake', 'loop.jpg'));
  const run = join(dir, 'run');

  it('train --skip-bad-images skips unreadable links in train and still hashes the dataset', async () => {
    const r = await cli(['train', '--data', data, '--out', run, ...FAST, '--iterations', '4', '--skip-bad-images']);
    expect(r.code, r.stderr).toBe(0);
    const config = readLog(run).find((l) => l.type === 'config') as { dataset: { hash: string; skipped: { id: string }[] } };
    expect(config.dataset.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(config.dataset.skipped.map((s) => s.id).sort()).toEqual(['fake/loop.jpg', 'real/dangling.jpg']);
  }, 120_000);

  it('without --skip-bad-images the CLI names the flag, not the library option', async () => {
    const r = await cli(['eval', '--model', run, '--data', data, '--split', 'all', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pass --skip-bad-images to skip unreadable images/);
    expect(r.stderr).not.toMatch(/onBadImage/);
  }, 60_000);

  it('every reader repairs an interrupted save: eval, fam, erase', async () => {
    crashMidSave(run);
    const e = await cli(['eval', '--model', run, '--data', data, '--skip-bad-images', '--json', '--backend', 'cpu']);
    expect(e.code, e.stderr).toBe(0);
    expect(existsSync(join(run, 'model', 'model.json'))).toBe(true);
    crashMidSave(run);
    const f = await cli(['fam', '--model', run, '--data', data, '--out', join(dir, 'fam'), '--max-images', '2', '--skip-bad-images', '--backend', 'cpu']);
    expect(f.code, f.stderr).toBe(0);
    crashMidSave(run);
    const images = join(dir, 'erase-in');
    copyFaces(images, 'fake', '.', 2);
    symlinkSync(join(dir, 'missing.jpg'), join(images, 'dangling.jpg'));
    const x = await cli(['erase', '--method', 'sfe', '--model', run, '--images', images, '--out', join(dir, 'erase-out'), '--skip-bad-images', '--backend', 'cpu']);
    expect(x.code, x.stderr).toBe(0);
    expect(x.stdout).toMatch(/^2 images erased with sfe; .* \(1 unreadable image\(s\) skipped\)/);
    expect(existsSync(join(run, 'model.old'))).toBe(false);
  }, 120_000);

  it('a fresh train into a folder whose save was interrupted is refused (no second config record)', async () => {
    crashMidSave(run);
    const lines = readLog(run).length;
    const r = await cli(['train', '--data', data, '--out', run, ...FAST, '--iterations', '4', '--skip-bad-images']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds a run \(checkpoint, model, run\.jsonl, config\.json\); pass --resume/);
    expect(readLog(run)).toHaveLength(lines);
  }, 60_000);

  it('a damaged checkpoint stops --resume with one line naming the file', async () => {
    const copy = join(dir, 'damaged');
    cpSync(run, copy, { recursive: true, verbatimSymlinks: true });
    truncateSync(join(copy, 'checkpoint', 'weights.bin'), 100);
    const r = await cli(['train', '--out', copy, '--resume', '--iterations', '6', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^rfm train: ${join(copy, 'checkpoint', 'weights.bin')} is damaged: it holds 100 bytes`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('--resume refuses conflicting flags by name, and an --iterations below the run', async () => {
    const r = await cli(['train', '--out', run, '--resume', '--size', '64', '--lr', '0.1', '--data', data, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--size \(run: 32\), --lr \(run: [0-9.e-]+\) would change it/);
    expect(r.stderr).not.toMatch(/--data/);
    const low = await cli(['train', '--out', run, '--resume', '--iterations', '2', '--backend', 'cpu']);
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(/--iterations 2 is below the run's 4/);
  });

  it('--resume after a crash mid-save continues the run, cleans a killed writer\'s temporary folder, keeps validation metrics', async () => {
    crashMidSave(run);
    mkdirSync(join(run, '.checkpoint.999999999.1.tmp'));
    // same-valued flags are accepted; --iterations may grow
    const r = await cli(['train', '--out', run, '--resume', '--iterations', '5', '--size', '32', '--skip-bad-images', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(run).filter((n) => n.endsWith('.old') || n.endsWith('.tmp'))).toEqual([]);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as { iterations: number; validation: unknown };
    expect(metrics.iterations).toBe(5);
    expect(metrics.validation).toEqual(expect.objectContaining({ auc: expect.any(Number) }));
    // resuming a finished run to the same length evaluates nothing new and still reports validation
    const again = await cli(['train', '--out', run, '--resume', '--backend', 'cpu']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).validation).toEqual(expect.objectContaining({ auc: expect.any(Number) }));
    expect(readLog(run).filter((l) => l.type === 'config')).toHaveLength(1);
  }, 120_000);
});
