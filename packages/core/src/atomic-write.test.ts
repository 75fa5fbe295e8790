import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputDir, ensureOutputDir, recoverDir, replaceDirAtomic, swapDirIn, writeFileAtomic } from './atomic-write.js';
import { OutputError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'rfm-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const onLinux = existsSync('/proc/self');
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const canMount = process.platform === 'linux' && spawnSync('unshare', ['-m', 'true']).status === 0;

function thrown(f: () => unknown): OutputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OutputError);
    return e as OutputError;
  }
  throw new Error('expected an OutputError');
}

describe('output folders', () => {
  it.skipIf(!onLinux)('refuse /proc/x at once instead of looping (Node recursive mkdir hangs there)', () => {
    const started = Date.now();
    for (const f of [() => ensureOutputDir('/proc/rfm-x/y'), () => checkOutputDir('/proc/rfm-x/y'), () => writeFileAtomic('/proc/rfm-x/a.json', '{}')]) {
      const e = thrown(f);
      expect(e.message).toMatch(/^Cannot write \/proc\/rfm-x(\/y)?: the filesystem of \/proc does not allow new/);
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('name the path asked for, never a temporary name, and say that a part of it is a file', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const e = thrown(() => writeFileAtomic(join(dir, 'file', 'sub', 'a.json'), '{}'));
    expect(e.message).toBe(`Cannot write ${join(dir, 'file', 'sub')}: ${join(dir, 'file')} is a file, not a folder.`);
    expect(e.message).not.toMatch(/\.tmp/);
    const d = thrown(() => replaceDirAtomic(join(dir, 'file', 'model'), () => {}));
    expect(d.message).not.toMatch(/\.tmp/);
  });

  it('checkOutputDir leaves nothing behind', () => {
    const target = join(dir, 'check', 'deep', 'er');
    expect(checkOutputDir(target)).toBe(target);
    expect(existsSync(join(dir, 'check'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.rfm-probe-'))).toEqual([]);
  });

  it.skipIf(!canMount)('report a read-only filesystem as read-only and a full disk with the file name (private mounts via unshare)', () => {
    const ro = join(dir, 'ro');
    const full = join(dir, 'full');
    mkdirSync(ro);
    mkdirSync(full);
    const script = join(dir, 'faults.ts');
    writeFileSync(
      script,
      `import { writeFileAtomic, ensureOutputDir } from '${join(REPO, 'packages/core/src/atomic-write.ts')}';
const out: Record<string, string> = {};
for (const [k, f] of Object.entries({
  ro: () => ensureOutputDir('${ro}/run'),
  roFile: () => writeFileAtomic('${ro}/a.json', '{}'),
  full: () => writeFileAtomic('${full}/big.bin', new Uint8Array(1 << 20)),
})) { try { f(); out[k] = 'no error'; } catch (e) { out[k] = (e as Error).constructor.name + ': ' + (e as Error).message; } }
console.log(JSON.stringify(out));
`,
    );
    const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
    const r = spawnSync(
      'unshare',
      ['-m', 'sh', '-c', `mount -t tmpfs -o ro tmpfs '${ro}' && mount -t tmpfs -o size=64k tmpfs '${full}' && exec '${tsx}' '${script}'`],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(out.ro).toBe(`OutputError: Cannot write ${ro}/run: the filesystem is read-only; choose a folder on a writable disk.`);
    expect(out.roFile).toBe(`OutputError: Cannot write ${ro}/a.json: the filesystem is read-only; choose a folder on a writable disk.`);
    expect(out.full).toBe(`OutputError: Cannot write ${full}/big.bin: no space left on the device; free some space or choose another disk.`);
  });
});

describe('recoverDir: the one recovery routine of a folder swap', () => {
  it('puts dir.old back when a crash fell between the two renames', () => {
    const d = join(dir, 'between');
    mkdirSync(`${d}.old`);
    writeFileSync(join(`${d}.old`, 'a'), '1');
    expect(recoverDir(d)).toBe(d);
    expect(readFileSync(join(d, 'a'), 'utf8')).toBe('1');
    expect(existsSync(`${d}.old`)).toBe(false);
  });

  it('drops dir.old when the swap had finished, and removes temporaries of dead processes only', () => {
    const d = join(dir, 'after');
    mkdirSync(d);
    mkdirSync(`${d}.old`);
    const dead = join(dir, '.after.999999999.1.tmp');
    const alive = join(dir, `.after.${process.ppid}.1.tmp`);
    mkdirSync(dead);
    mkdirSync(alive);
    expect(recoverDir(d)).toBe(d);
    expect(existsSync(`${d}.old`)).toBe(false);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect(recoverDir(join(dir, 'none'))).toBeUndefined();
  });

  it('swapDirIn (the one swap, also used by the native build cache) replaces a folder or a link', () => {
    const staged = join(dir, 'staged');
    mkdirSync(staged);
    writeFileSync(join(staged, 'v'), 'new');
    const target = join(dir, 'linked');
    symlinkSync(join(dir, 'nowhere'), target);
    swapDirIn(staged, target);
    expect(readFileSync(join(target, 'v'), 'utf8')).toBe('new');
    expect(existsSync(staged) || existsSync(`${target}.old`)).toBe(false);
  });

  it('writeFileAtomic writes byte chunks one after the other; a failing chunk source keeps its own error and leaves no file', () => {
    const target = join(dir, 'chunks.bin');
    writeFileAtomic(target, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
    const broken = join(dir, 'broken.bin');
    const source = function* (): Generator<Uint8Array> {
      yield new Uint8Array([1]);
      throw new RangeError('source failed');
    };
    expect(() => writeFileAtomic(broken, source())).toThrow(RangeError);
    expect(readdirSync(dir).filter((n) => n.includes('broken'))).toEqual([]);
  });

  it('replaceDirAtomic swaps content in and keeps no .old or temporary behind', () => {
    const d = join(dir, 'swap');
    replaceDirAtomic(d, (tmp) => writeFileAtomic(join(tmp, 'v'), '1'));
    replaceDirAtomic(d, (tmp) => writeFileAtomic(join(tmp, 'v'), '2'));
    expect(readFileSync(join(d, 'v'), 'utf8')).toBe('2');
    expect(readdirSync(dir).filter((n) => n.includes('swap'))).toEqual(['swap']);
  });
});
