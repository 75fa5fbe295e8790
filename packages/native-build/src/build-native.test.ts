/**
 * `buildNative` end to end against a fake tfjs-node package and a fake TensorFlow C library
 * (see testing-fixtures.ts): wheel, tarball and download sources, the cache, idempotence, atomicity
 * on failure, the GPU refusal, and option validation. The real package is never touched.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidOptionError } from '@rfm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINDING_PATCH_SET } from './binding-patches.js';
import { buildNative } from './build-native.js';
import { checkGpuRuntime } from './gpu-requirements.js';
import { hashFile, listLibraryEntries } from './native-cache.js';
import { NativeBuildError, type NativeBuildFailure } from './native-errors.js';
import { NATIVE_MANIFEST_FILE } from './native-install.js';
import { type NativeBuildProgress, resolveBuildNativeOptions } from './native-options.js';
import { libtensorflowDownloadUrl, locateNativePackage } from './native-package.js';
import { nativeAddonStatus } from './native-status.js';
import { FAKE_TF_VERSION, makeNativeFixtures, type NativeFixtures } from './testing-fixtures.js';
import { checkToolchain } from './toolchain.js';
import { archiveLibraryId, parseWheelName, wheelFitsPlatform } from './wheel-name.js';

let root: string;
let fx: NativeFixtures;
let cacheDir: string;
let toolchainOk = false;
let toolchainMissing: readonly string[] = [];

const python = process.env['PYTHON'] ?? 'python3';

/** Rejects with a NativeBuildError of this reason. */
async function expectFailure(p: Promise<unknown>, reason: NativeBuildFailure): Promise<NativeBuildError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NativeBuildError);
  expect((e as NativeBuildError).reason).toBe(reason);
  expect((e as NativeBuildError).code).toBe('RFM_BACKEND_UNAVAILABLE');
  return e as NativeBuildError;
}

function untouched(dir: string): void {
  expect(fs.existsSync(path.join(dir, 'deps'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'lib'))).toBe(false);
  expect(fs.readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
}

function reset(dir: string): void {
  fs.rmSync(path.join(dir, 'deps'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'lib'), { recursive: true, force: true });
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rfm-native-test-'));
  cacheDir = path.join(root, 'cache');
  const real = locateNativePackage(false);
  const check = await checkToolchain(real, python, path.resolve(path.dirname(process.execPath), '..'));
  toolchainOk = check.ok;
  toolchainMissing = check.ok ? [] : check.missing;
  const cxx = check.ok ? check.toolchain.cxx : 'g++';
  if (check.ok) fx = await makeNativeFixtures(root, path.dirname(path.dirname(real.nodePreGyp!)), cxx, python);
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('buildNative with a fake tfjs-node and a fake TensorFlow library', () => {
  it('reports what a machine without a compiler lacks, or has every tool', async () => {
    // On a machine without the toolchain, the build must refuse with the list of missing tools.
    if (!toolchainOk) {
      expect(toolchainMissing.length).toBeGreaterThan(0);
      return;
    }
    expect(fx.packageDir).toBeTruthy();
  });

  it('a wheel without libtensorflow_cc fails as no-library-source and writes nothing', async () => {
    if (!toolchainOk) return;
    const e = await expectFailure(buildNative({ wheel: fx.wheelWithoutLibrary, packageDir: fx.packageDir, cacheDir, python }), 'no-library-source');
    expect(e.cannotBuild).toBe(true);
    expect(e.message).toContain('libtensorflow_cc.so.2');
    untouched(fx.packageDir);
    expect(listLibraryEntries(cacheDir)).toEqual([]);
    expect(fs.readdirSync(cacheDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    expect(nativeAddonStatus({ packageDir: fx.packageDir }).built).toBe(false);
  });

  it('builds from a wheel: unpacks only the needed files, compiles, links deps/ to the cache, verifies', async () => {
    if (!toolchainOk) return;
    const events: NativeBuildProgress[] = [];
    const r = await buildNative({ wheel: fx.wheel, packageDir: fx.packageDir, cacheDir, python, jobs: 1, onProgress: (e) => events.push(e) });
    expect(r.status).toBe('built');
    expect(r.compiled).toBe(true);
    expect(r.libraryReused).toBe(false);
    expect(r.verification).toMatchObject({ ok: true, backend: 'tensorflow', tfVersion: FAKE_TF_VERSION });
    const entry = path.join(cacheDir, 'tensorflow_cpu-0.0.1');
    expect(r.manifest?.library).toMatchObject({ id: 'tensorflow_cpu-0.0.1', tfVersion: '0.0.1', cacheDir: entry });
    expect(r.manifest?.library.origin).toMatchObject({ kind: 'wheel', from: fx.wheel, sha256: (await hashFile(fx.wheel)).sha256 });
    expect(fs.readlinkSync(path.join(fx.packageDir, 'deps', 'lib'))).toBe(path.join(entry, 'lib'));
    expect(fs.readlinkSync(path.join(entry, 'lib', 'libtensorflow.so'))).toBe('libtensorflow_cc.so.2');
    expect(fs.existsSync(path.join(entry, 'include', 'tensorflow', 'c', 'eager', 'c_api.h'))).toBe(true);
    expect(fs.existsSync(path.join(entry, 'include', 'absl'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(fx.packageDir, 'deps', NATIVE_MANIFEST_FILE), 'utf8'))).toEqual(r.manifest);
    // The fake package has no tfjs_backend.cc, so no patch applies (with a warning), but the set is recorded.
    expect(r.manifest?.addon).toMatchObject({ bindingPatchSet: BINDING_PATCH_SET, bindingPatches: [] });
    expect(events.some((e) => e.level === 'warn' && e.message.includes('binding patches not applied'))).toBe(true);
    expect(new Set(events.map((e) => e.step))).toEqual(new Set(['locate', 'library', 'compile', 'install', 'done']));
    expect(r.summary.join('\n')).toContain(fx.wheel);
    const status = nativeAddonStatus({ packageDir: fx.packageDir });
    expect(status).toMatchObject({ built: true, bindingPresent: true, libraryPresent: true });
    expect(status.summary).toContain('built against TensorFlow 0.0.1');
  });

  it('is idempotent: a second call finds the working build and changes nothing', async () => {
    if (!toolchainOk) return;
    const binding = locateNativePackage(false, fx.packageDir).bindingPath;
    const mtime = fs.statSync(binding).mtimeMs;
    const r = await buildNative({ wheel: fx.wheel, packageDir: fx.packageDir, cacheDir, python });
    expect(r.status).toBe('already-built');
    expect(r.compiled).toBe(false);
    expect(r.summary[0]).toContain('Already built');
    expect(fs.statSync(binding).mtimeMs).toBe(mtime);
  });

  it('rebuilds an addon that an earlier rfm.js compiled without the current binding patches, and compiles again a cached one', async () => {
    if (!toolchainOk) return;
    const manifestFile = path.join(fx.packageDir, 'deps', NATIVE_MANIFEST_FILE);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { addon: Record<string, unknown> };
    delete manifest.addon['bindingPatchSet'];
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const cached = path.join(cacheDir, 'tensorflow_cpu-0.0.1', 'addons');
    const addonJson = fs.readdirSync(cached, { recursive: true }).map(String).find((f) => f.endsWith('addon.json'))!;
    const meta = JSON.parse(fs.readFileSync(path.join(cached, addonJson), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(cached, addonJson), JSON.stringify({ ...meta, bindingPatchSet: 'an-older-set' }));
    const events: NativeBuildProgress[] = [];
    const r = await buildNative({ wheel: fx.wheel, packageDir: fx.packageDir, cacheDir, python, jobs: 1, onProgress: (e) => events.push(e) });
    expect(r).toMatchObject({ status: 'built', compiled: true });
    expect(events.some((e) => e.step === 'check' && e.message.includes('earlier rfm.js'))).toBe(true);
    expect(r.manifest?.addon.bindingPatchSet).toBe(BINDING_PATCH_SET);
    expect(JSON.parse(fs.readFileSync(path.join(cached, addonJson), 'utf8'))).toMatchObject({ bindingPatchSet: BINDING_PATCH_SET });
  });

  it('with a warm cache (fresh checkout) reuses the library and the compiled addon; copy mode makes real files', async () => {
    if (!toolchainOk) return;
    reset(fx.packageDir);
    const r = await buildNative({ wheel: fx.wheel, packageDir: fx.packageDir, cacheDir, python, linkMode: 'copy' });
    expect(r).toMatchObject({ status: 'built', compiled: false, libraryReused: true });
    expect(r.verification.ok).toBe(true);
    expect(fs.lstatSync(path.join(fx.packageDir, 'deps', 'lib')).isDirectory()).toBe(true);
    expect(fs.lstatSync(path.join(fx.packageDir, 'deps', 'lib', 'libtensorflow_cc.so.2')).isFile()).toBe(true);
    expect(r.manifest?.linkMode).toBe('copy');
  });

  it('a dangling cache (deleted after a symlink build) is detected by the status and rebuilt', async () => {
    if (!toolchainOk) return;
    const other = path.join(root, 'cache-2');
    reset(fx.packageDir);
    await buildNative({ wheel: fx.wheel, packageDir: fx.packageDir, cacheDir: other, python });
    fs.rmSync(other, { recursive: true, force: true });
    expect(nativeAddonStatus({ packageDir: fx.packageDir })).toMatchObject({ bindingPresent: true, libraryPresent: false, built: false });
    const r = await buildNative({ wheel: fx.wheel, packageDir: fx.packageDir, cacheDir, python });
    expect(r.status).toBe('built');
    expect(nativeAddonStatus({ packageDir: fx.packageDir }).built).toBe(true);
  });

  it('a compile error fails as build-failed and leaves the package untouched', async () => {
    if (!toolchainOk) return;
    const e = await expectFailure(buildNative({ wheel: fx.wheel, packageDir: fx.brokenPackageDir, cacheDir, python, jobs: 1 }), 'build-failed');
    expect(e.cannotBuild).toBe(false);
    expect(e.details.join('\n')).toMatch(/error/i);
    untouched(fx.brokenPackageDir);
  });

  it('downloads a libtensorflow tarball (local server), keeps its versioned layout, builds', async () => {
    if (!toolchainOk) return;
    const body = fs.readFileSync(fx.archive);
    const server = http.createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      if (req.url?.endsWith(path.basename(fx.archive))) res.writeHead(200).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = path.join(root, 'tfjs-node-dl');
      fs.cpSync(fx.packageDir, dir, { recursive: true, verbatimSymlinks: true });
      reset(dir);
      const missing = await expectFailure(
        buildNative({ source: 'download', downloadUrl: `${base}/libtensorflow-cpu-linux-x86_64-9.9.9.tar.gz`, packageDir: dir, cacheDir, python }),
        'no-library-source',
      );
      expect(missing.details.join('\n')).toContain('HTTP 404');
      const t0 = Date.now();
      const hang = await expectFailure(buildNative({ source: 'download', downloadUrl: `${base}/hang`, downloadTimeoutMs: 300, packageDir: dir, cacheDir, python }), 'no-library-source');
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(hang.details.join('\n')).toContain('no answer within 300 ms');
      untouched(dir);
      const r = await buildNative({ source: 'download', downloadUrl: `${base}/${path.basename(fx.archive)}`, packageDir: dir, cacheDir, python, jobs: 1 });
      expect(r).toMatchObject({ status: 'built', compiled: true });
      expect(r.manifest?.library).toMatchObject({ id: 'libtensorflow-cpu-linux-x86_64-0.0.2', tfVersion: '0.0.2' });
      expect(r.manifest?.library.origin).toMatchObject({ kind: 'download', from: `${base}/${path.basename(fx.archive)}` });
      expect(fs.readlinkSync(path.join(cacheDir, r.manifest!.library.id, 'lib', 'libtensorflow.so.2'))).toBe('libtensorflow.so.0.0.2');
      expect(r.verification.tfVersion).toBe(FAKE_TF_VERSION);
    } finally {
      server.close();
    }
  });

  it('gpu: refuses with the CUDA 11.2 / cuDNN 8.1 requirements when the GPU runtime is absent', async () => {
    const gpu = await checkGpuRuntime();
    const p = buildNative({ gpu: true, archive: path.join(root, 'libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz'), packageDir: fx?.packageDir ?? root, cacheDir, python });
    if (gpu.ok) {
      await expectFailure(p, 'no-library-source'); // the archive does not exist
      return;
    }
    const e = await expectFailure(p, 'gpu-unavailable');
    expect(e.cannotBuild).toBe(true);
    expect(e.message).toContain('CUDA 11.2');
    expect(e.message).toContain('cuDNN 8.1');
    expect(e.message).toContain('2.9.1');
  });
});

describe('options, names and URLs', () => {
  it('resolves defaults and infers the source from wheel / archive', () => {
    const o = resolveBuildNativeOptions({});
    expect(o).toMatchObject({ source: 'auto', pipPackage: 'tensorflow-cpu', pipVersion: '2.21.0', linkMode: 'symlink', gpu: false, force: false, jobs: 2 });
    expect(o.cacheDir.endsWith(path.join('rfm-js', 'native'))).toBe(true);
    expect(resolveBuildNativeOptions({ wheel: 'x.whl' }).source).toBe('wheel');
    expect(resolveBuildNativeOptions({ archive: 'x.tar.gz' }).source).toBe('archive');
  });

  it('rejects contradictory or out-of-range options with InvalidOptionError', () => {
    const bad: Array<[object, string]> = [
      [{ source: 'magic' }, 'source'],
      [{ source: 'wheel' }, 'wheel'],
      [{ source: 'archive' }, 'archive'],
      [{ wheel: 'a.whl', archive: 'b.tar.gz' }, 'wheel'],
      [{ wheel: 'a.whl', source: 'pip' }, 'source'],
      [{ jobs: 0 }, 'jobs'],
      [{ downloadTimeoutMs: -1 }, 'downloadTimeoutMs'],
      [{ linkMode: 'move' }, 'linkMode'],
      [{ pipVersion: '; rm -rf /' }, 'pipVersion'],
    ];
    for (const [options, option] of bad) {
      const e = (() => {
        try {
          resolveBuildNativeOptions(options);
          return null;
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(options)).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe(option);
    }
  });

  it('parses wheel and tarball names', () => {
    expect(parseWheelName('/x/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')).toEqual({
      distribution: 'tensorflow_cpu',
      version: '2.21.0',
      python: 'cp311',
      platform: 'manylinux_2_27_x86_64',
    });
    expect(parseWheelName('tensorflow.tar.gz')).toBeNull();
    expect(wheelFitsPlatform('manylinux_2_27_x86_64', 'x64')).toBe(true);
    expect(wheelFitsPlatform('macosx_12_0_arm64', 'arm64')).toBe(false);
    expect(wheelFitsPlatform('manylinux2014_aarch64', 'arm64')).toBe(true);
    expect(archiveLibraryId('https://h/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz')).toEqual({
      id: 'libtensorflow-cpu-linux-x86_64-2.9.1',
      tfVersion: '2.9.1',
      flavour: 'cpu',
    });
    expect(archiveLibraryId('libtensorflow_r2_7_linux_arm64.tar.gz')).toMatchObject({ tfVersion: '2.7', flavour: 'cpu' });
    expect(archiveLibraryId('libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz').flavour).toBe('gpu');
  });

  it('derives the download URL the way tfjs-node 4.22.0 install script does', () => {
    const pkg = locateNativePackage(false);
    expect(pkg.libtensorflowVersion).toBe('2.9.1');
    expect(pkg.napiBuildVersion).toBe(8);
    const env = {} as NodeJS.ProcessEnv;
    const url = libtensorflowDownloadUrl(pkg, false, env);
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(url).toBe('https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz');
      expect(libtensorflowDownloadUrl(pkg, true, { TFJS_NODE_BASE_URI: 'http://mirror/lt-' } as NodeJS.ProcessEnv)).toBe('http://mirror/lt-gpu-linux-x86_64-2.9.1.tar.gz');
      expect(libtensorflowDownloadUrl(pkg, false, { TFJS_NODE_CDN_STORAGE: 'http://cdn/' } as NodeJS.ProcessEnv)).toBe(
        'http://cdn/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz',
      );
    }
  });
});
