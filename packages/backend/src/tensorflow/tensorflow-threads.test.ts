import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const require = createRequire(import.meta.url);

interface Child {
  readonly backend: string | null;
  readonly reason: string;
  readonly threads: number;
}

/** Starts tensorflow in a fresh process (TensorFlow reads its thread count once) and counts the process' threads after a convolution. */
function childWith(tensorflowThreads: number): Child {
  const dir = mkdtempSync(join(tmpdir(), 'rfm-tf-threads-'));
  const script = join(dir, 'child.mts');
  writeFileSync(
    script,
    [
      `import * as tf from ${JSON.stringify(pathToFileURL(require.resolve('@tensorflow/tfjs-core')).href)};`,
      `import { readdirSync } from 'node:fs';`,
      `import { initBackend } from ${JSON.stringify(pathToFileURL(join(here, '..', 'index.ts')).href)};`,
      `delete process.env.TF_NUM_INTRAOP_THREADS;`,
      `const out = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };`,
      `let report;`,
      `try { report = await initBackend('tensorflow', { nativeModules: ['@tensorflow/tfjs-node'], tensorflowThreads: ${tensorflowThreads} }); }`,
      `catch (e) { out({ backend: null, reason: String(e.message), threads: 0 }); }`,
      `tf.conv2d(tf.ones([4, 32, 32, 16]), tf.ones([3, 3, 16, 16]), 1, 'same').dataSync();`,
      `out({ backend: report.backend, reason: report.detail, threads: readdirSync('/proc/self/task').length });`,
    ].join('\n'),
  );
  try {
    const stdout = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['--tsconfig', join(root, 'tsconfig.run.json'), '--conditions=@rfm/source', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout) as Child;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tensorflowThreads', () => {
  it.skipIf(!existsSync('/proc/self/task'))('starts TensorFlow with that many intra-op threads (Linux: counted in /proc)', (ctx) => {
    const one = childWith(1);
    if (one.backend === null) {
      ctx.skip(`SKIPPED: the tensorflow backend is absent (${one.reason})`);
      return;
    }
    const four = childWith(4);
    expect(one.reason).toBe('native TensorFlow addon loaded (1 intra-op thread)');
    expect(four.reason).toBe('native TensorFlow addon loaded (4 intra-op threads)');
    // The same process otherwise: TensorFlow's intra-op pool is the only difference.
    expect(four.threads - one.threads).toBe(3);
  });
});
