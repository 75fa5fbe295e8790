import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { writeThreadedWorker } from './wasm-threads.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const require = createRequire(import.meta.url);

describe('threaded wasm (shim)', () => {
  it('writes a worker that loads the threaded module from disk instead of a blob URL', () => {
    const path = writeThreadedWorker();
    expect(path.endsWith('.cjs')).toBe(true);
    expect(writeThreadedWorker()).toBe(path); // same content, same file
  });

  it('initialises wasm with 2 XNNPACK threads in a child process and computes what cpu computes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfm-threads-'));
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      [
        `import * as tf from ${JSON.stringify(pathToFileURL(require.resolve('@tensorflow/tfjs-core')).href)};`,
        `import { getThreadsCount } from ${JSON.stringify(pathToFileURL(require.resolve('@tensorflow/tfjs-backend-wasm')).href)};`,
        `import { initBackend } from ${JSON.stringify(pathToFileURL(join(here, '..', 'index.ts')).href)};`,
        `const report = await initBackend('wasm', { threads: 2 });`,
        `const x = tf.reshape(tf.range(0, 2 * 12 * 12 * 8), [2, 12, 12, 8]);`,
        `const w = tf.reshape(tf.sin(tf.range(0, 3 * 3 * 8 * 16)), [3, 3, 8, 16]);`,
        `const y = tf.conv2d(tf.div(x, 100) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');`,
        `process.stdout.write(JSON.stringify({ backend: report.backend, threads: getThreadsCount(), y: Array.from(y.dataSync()) }));`,
        `process.exit(0);`,
      ].join('\n'),
    );
    const out = execFileSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['--tsconfig', join(root, 'tsconfig.run.json'), '--conditions=@rfm/source', script],
      { cwd: root, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = JSON.parse(out) as { backend: string; threads: number; y: number[] };
    expect(child.backend).toBe('wasm');
    expect(child.threads).toBe(2);
    const want = tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 2 * 12 * 12 * 8), [2, 12, 12, 8]);
      const w = tf.reshape(tf.sin(tf.range(0, 3 * 3 * 8 * 16)), [3, 3, 8, 16]);
      return tf.conv2d(tf.div(x, 100) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync();
    });
    let diff = 0;
    let scale = 0;
    want.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - child.y[i]!));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(child.y).toHaveLength(want.length);
    expect(diff / scale).toBeLessThanOrEqual(1e-5);
  });
});
