/**
 * Checks, in a child Node process (so the 850 MB library never loads into the caller), that an addon
 * loads and that tfjs-node then runs on the `tensorflow` backend.
 *
 * @packageDocumentation
 */
import { runTool } from './native-process.js';

/** Result of {@link verifyNativeAddon}. */
export interface NativeVerification {
  /** True when tfjs-node loaded, its backend is `tensorflow` and a matMul gave the right numbers. */
  readonly ok: boolean;
  /** `tf.getBackend()` after loading, or null. */
  readonly backend: string | null;
  /** TensorFlow version reported by the C library (`binding.TF_Version`), or null. */
  readonly tfVersion: string | null;
  /** Time to load tfjs-node in the child, ms. */
  readonly loadMs: number | null;
  /** The error when not ok. */
  readonly error: string | null;
  /** Last lines of the child's output. */
  readonly tail: readonly string[];
}

const MARK = 'RFM_NATIVE_PROBE ';

// Child script of verifyNativeAddon: argv[1] = package directory.
const VERIFY_JS = `
const t0 = Date.now();
const out = (o) => console.log(${JSON.stringify(MARK)} + JSON.stringify(o));
try {
  const tf = require(process.argv[1]);
  const loadMs = Date.now() - t0;
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const y = Array.from(tf.matMul(x, x).dataSync());
  const backend = tf.getBackend();
  const b = tf.backend();
  out({ backend, tfVersion: b && b.binding ? b.binding.TF_Version : null, loadMs, matmul: y });
} catch (e) {
  out({ error: String(e && e.message || e).split('\\n')[0] });
}
`;

// Child script of probeBinding: argv[1] = the .node file.
const PROBE_JS = `
try {
  const b = require(process.argv[1]);
  console.log(${JSON.stringify(MARK)} + JSON.stringify({ tfVersion: b.TF_Version || null }));
} catch (e) {
  console.log(${JSON.stringify(MARK)} + JSON.stringify({ error: String(e && e.message || e).split('\\n')[0] }));
}
`;

const QUIET = { TF_CPP_MIN_LOG_LEVEL: '2' };

function parse(stdout: string): Record<string, unknown> | null {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  return line ? (JSON.parse(line.slice(MARK.length)) as Record<string, unknown>) : null;
}

/**
 * Loads tfjs-node from `packageDir` in a child process and runs one matMul.
 *
 * @param packageDir - the tfjs-node (or -gpu) package directory
 * @param timeoutMs - time limit @default 120000
 */
export async function verifyNativeAddon(packageDir: string, timeoutMs = 120_000): Promise<NativeVerification> {
  const r = await runTool(process.execPath, ['-e', VERIFY_JS, packageDir], { timeoutMs, env: QUIET, cwd: packageDir });
  const o = parse(r.stdout);
  if (!o) return { ok: false, backend: null, tfVersion: null, loadMs: null, error: `the check process ended without an answer (exit ${r.code})`, tail: r.tail };
  if (typeof o['error'] === 'string') return { ok: false, backend: null, tfVersion: null, loadMs: null, error: o['error'], tail: r.tail };
  const backend = typeof o['backend'] === 'string' ? o['backend'] : null;
  const matmul = o['matmul'] as number[] | undefined;
  const right = JSON.stringify(matmul) === JSON.stringify([7, 10, 15, 22]);
  const error = backend !== 'tensorflow' ? `tfjs-node loaded but the backend is ${backend}` : right ? null : `matMul gave ${JSON.stringify(matmul)}`;
  return {
    ok: error === null,
    backend,
    tfVersion: typeof o['tfVersion'] === 'string' ? o['tfVersion'] : null,
    loadMs: typeof o['loadMs'] === 'number' ? o['loadMs'] : null,
    error,
    tail: r.tail,
  };
}

/**
 * Loads a `tfjs_binding.node` file by itself in a child process (checks that it links and its
 * TensorFlow library resolves through the rpath).
 *
 * @param file - the addon
 */
export async function probeBinding(file: string): Promise<{ ok: boolean; tfVersion: string | null; error: string | null; tail: readonly string[] }> {
  const r = await runTool(process.execPath, ['-e', PROBE_JS, file], { timeoutMs: 60_000, env: QUIET });
  const o = parse(r.stdout);
  if (!o) return { ok: false, tfVersion: null, error: `the probe process ended without an answer (exit ${r.code})`, tail: r.tail };
  if (typeof o['error'] === 'string') return { ok: false, tfVersion: null, error: o['error'], tail: r.tail };
  return { ok: true, tfVersion: typeof o['tfVersion'] === 'string' ? o['tfVersion'] : null, error: null, tail: r.tail };
}
