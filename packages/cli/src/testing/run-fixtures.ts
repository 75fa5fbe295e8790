/**
 * Test helpers of the CLI (not built into the package): small datasets copied from the bundled faces,
 * a saved untrained model, and running the CLI as a child process.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, createSmallBackbone, saveBackbone, type LayersBackbone } from '@rfm/core';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** The bundled dataset. */
export const BUNDLED = join(REPO, 'data', 'ffhq-stylegan2');

const bundledFiles = (cls: 'real' | 'fake') => readdirSync(join(BUNDLED, cls)).filter((f) => f.endsWith('.jpg')).sort();

/**
 * Copies `n` bundled faces of a class to `root/<to>/<name(i)>`.
 *
 * @returns the written paths
 */
export function copyFaces(root: string, cls: 'real' | 'fake', to: string, n: number, name: (i: number) => string = (i) => `${cls}${i}.jpg`, skip = 0): string[] {
  mkdirSync(join(root, to), { recursive: true });
  return bundledFiles(cls)
    .slice(skip, skip + n)
    .map((f, i) => {
      const dst = join(root, to, name(i));
      copyFileSync(join(BUNDLED, cls, f), dst);
      return dst;
    });
}

/** A folder dataset `real/` + `fake/` with `n` faces each. */
export function folderDataset(root: string, n = 10): string {
  copyFaces(root, 'real', 'real', n);
  copyFaces(root, 'fake', 'fake', n);
  return root;
}

/**
 * A manifest dataset with a fixed split per image: `rows` gives, per split, how many reals and fakes.
 */
export function manifestDataset(root: string, rows: Record<'train' | 'validation' | 'test', { real: number; fake: number }>): string {
  const lines = ['path,label,split'];
  let r = 0;
  let f = 0;
  for (const [split, { real, fake }] of Object.entries(rows)) {
    for (const p of copyFaces(root, 'real', 'img', real, (i) => `r${r + i}.jpg`, r)) lines.push(`${p.slice(root.length + 1)},real,${split}`);
    r += real;
    for (const p of copyFaces(root, 'fake', 'img', fake, (i) => `f${f + i}.jpg`, f)) lines.push(`${p.slice(root.length + 1)},fake,${split}`);
    f += fake;
  }
  const manifest = join(root, 'faces.csv');
  writeFileSync(manifest, `${lines.join('\n')}\n`);
  return manifest;
}

/** Saves an untrained small backbone as a run folder (`RUN/model`) and returns the run folder. */
export async function untrainedRun(dir: string, inputSize = 32): Promise<string> {
  const backbone = createSmallBackbone({ inputSize, width: 2 }, createRng(3)) as LayersBackbone;
  await saveBackbone(backbone, join(dir, 'model'));
  backbone.dispose();
  return dir;
}

/** Flags of a fast training run: small backbone at 32 px on the cpu backend. */
export const FAST = ['--size', '32', '--batch', '4', '--eval-every', '2', '--backend', 'cpu'] as const;

/**
 * Runs `rfm` from source in a child process (as `pnpm rfm` does, without pnpm).
 *
 * @param args - command-line arguments
 * @param timeoutMs - killed with SIGKILL after this long
 */
export function runRfmProcess(args: readonly string[], timeoutMs = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--conditions=@rfm/source', join(REPO, 'scripts', 'rfm.mjs'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
}
