/**
 * Packages that install alone: packs `@rfm/augment-sfe` and what it needs (and `@rfm/metrics` on
 * its own) with `pnpm pack`, installs the tarballs with `npm` into empty projects outside the
 * workspace (third-party packages come from the npm registry), and runs each package README's
 * example there, taken verbatim from the README. This is how users get the project: one npm
 * package at a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'rfm-pack-'));
const tarballs = new Map<string, string>();
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a command, returning stdout; a failure shows the command's own output. */
function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  }
}

/**
 * The first fenced code block after a heading of a README: the example as the reader sees it.
 *
 * @param readme - README text
 * @param heading - the heading line, e.g. `## Example`
 */
function readmeExample(readme: string, heading: string): string {
  const at = readme.split('\n').findIndex((l) => l.trim() === heading);
  if (at < 0) throw new Error(`README has no "${heading}" heading`);
  const rest = readme.split('\n').slice(at + 1).join('\n');
  const block = /```(?:js|ts)\n([\s\S]*?)```/.exec(rest);
  if (!block) throw new Error(`no js/ts code block after "${heading}"`);
  return block[1]!;
}

/** An empty ES-module project outside the workspace. */
function emptyProject(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
  return dir;
}

const PACKED = ['metrics', 'core', 'attention', 'augment-sfe'];

beforeAll(() => {
  // Each package's prepack script builds its dist/ (tsc -b, incremental) before pnpm packs it.
  const dest = join(work, 'tarballs');
  for (const p of PACKED) {
    const out = run('pnpm', ['pack', '--pack-destination', dest], join(root, 'packages', p)).trim().split('\n');
    tarballs.set(p, out[out.length - 1]!.trim());
  }
});

describe('packed packages', () => {
  it('carry built dist/ and no workspace: ranges, sources or tests', () => {
    for (const [p, tgz] of tarballs) {
      const files = run('tar', ['-tzf', tgz], work).trim().split('\n');
      expect(files, p).toContain('package/dist/index.js');
      expect(files, p).toContain('package/README.md');
      expect(files.filter((f) => f.includes('/src/') || f.endsWith('.test.js')), p).toEqual([]);
      const manifest = run('tar', ['-xzOf', tgz, 'package/package.json'], work);
      expect(manifest, p).not.toContain('workspace:');
    }
  });

  it('@rfm/augment-sfe installs alone with npm and its README example trains 2 iterations with SFE', () => {
    const dir = emptyProject('sfe-alone');
    const needed = ['metrics', 'core', 'attention', 'augment-sfe'].map((p) => tarballs.get(p)!);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...needed, '@tensorflow/tfjs-core@4.22.0', '@tensorflow/tfjs-backend-cpu@4.22.0', 'tsyringe@4.10.0', 'reflect-metadata@0.2.2'], dir);
    const example = readmeExample(readFileSync(join(root, 'packages/augment-sfe/README.md'), 'utf8'), '## Train with it');
    writeFileSync(join(dir, 'example.mjs'), example);
    const out = run(process.execPath, ['example.mjs'], dir);
    expect(out).toContain("[ 'sfe' ] 2 auc");
    // Peer dependencies: one tfjs engine and one @rfm/core for every package.
    const copies = (name: string) => run('npm', ['ls', name, '--all', '--parseable'], dir).trim().split('\n').filter(Boolean);
    expect(copies('@tensorflow/tfjs-core')).toHaveLength(1);
    expect(copies('@rfm/core')).toHaveLength(1);
  });

  it('@rfm/metrics installs alone (no dependencies) and its README example prints the metrics table', () => {
    const dir = emptyProject('metrics-alone');
    run('npm', ['install', '--no-audit', '--no-fund', '--offline', tarballs.get('metrics')!], dir);
    writeFileSync(join(dir, 'scores.csv'), 'label,score,technique\n0,0.1,real\n0,0.4,real\n1,0.35,gan\n1,0.8,gan\n0,0.2,real\n1,0.9,swap\n');
    const example = readmeExample(readFileSync(join(root, 'packages/metrics/README.md'), 'utf8'), '## Example');
    writeFileSync(join(dir, 'example.mjs'), example);
    const out = run(process.execPath, ['example.mjs'], dir);
    expect(out).toMatch(/^set\s+AUC\s+TDR@1e-2/m);
    expect(out).toMatch(/^gan\s/m);
    expect(out).toMatch(/^swap\s/m);
  });
});
