/**
 * Checks for what compiling the addon needs: Python (for gyp), make, a C++ compiler, node-gyp,
 * node-pre-gyp and the *local* Node headers (the build never downloads headers).
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { NativeBuildError } from './native-errors.js';
import type { NativePackage } from './native-package.js';
import { runTool } from './native-process.js';

/** The tools found for a compile. */
export interface Toolchain {
  /** Python interpreter. */
  readonly python: string;
  /** C++ compiler command. */
  readonly cxx: string;
  /** node-gyp's CLI script. */
  readonly nodeGyp: string;
  /** node-pre-gyp's CLI script. */
  readonly nodePreGyp: string;
  /** Node install prefix with `include/node/node_api.h`. */
  readonly nodeDir: string;
}

/** Result of {@link checkToolchain}: the tools, or what is missing. */
export type ToolchainCheck = { readonly ok: true; readonly toolchain: Toolchain } | { readonly ok: false; readonly missing: readonly string[] };

/**
 * node-gyp's CLI: `$npm_config_node_gyp`, else a resolvable `node-gyp`, else the copy bundled
 * with npm beside the running Node (`<prefix>/lib/node_modules/npm/node_modules/node-gyp`).
 */
export function findNodeGyp(nodeDir: string): string | null {
  const candidates: string[] = [];
  if (process.env['npm_config_node_gyp']) candidates.push(process.env['npm_config_node_gyp']);
  try {
    candidates.push(path.join(path.dirname(createRequire(import.meta.url).resolve('node-gyp/package.json')), 'bin', 'node-gyp.js'));
  } catch {
    // not installed as a package
  }
  candidates.push(path.join(nodeDir, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

/**
 * Looks for every tool the compile needs and reports all missing ones at once.
 *
 * @param pkg - the tfjs-node package (brings node-pre-gyp)
 * @param python - Python interpreter
 * @param nodeDir - Node install prefix
 */
export async function checkToolchain(pkg: NativePackage, python: string, nodeDir: string): Promise<ToolchainCheck> {
  const missing: string[] = [];
  const py = await runTool(python, ['-c', 'import sys; assert sys.version_info >= (3, 6); print(sys.version)'], { timeoutMs: 30_000 });
  if (py.code !== 0) missing.push(`Python >= 3.6 (${python}: ${py.code === 127 ? 'not found' : 'too old or broken'}; set PYTHON)`);
  const make = await runTool('make', ['--version'], { timeoutMs: 30_000 });
  if (make.code !== 0) missing.push('make (Debian: apt-get install make)');
  let cxx: string | null = null;
  for (const c of [process.env['CXX'], 'g++', 'c++', 'clang++'].filter((x): x is string => !!x)) {
    if ((await runTool(c, ['--version'], { timeoutMs: 30_000 })).code === 0) {
      cxx = c;
      break;
    }
  }
  if (!cxx) missing.push('a C++ compiler: g++, c++ or clang++ (Debian: apt-get install g++)');
  const header = path.join(nodeDir, 'include', 'node', 'node_api.h');
  if (!fs.existsSync(header)) missing.push(`Node headers: ${header} does not exist (pass nodeDir = the prefix holding include/node of this Node ${process.version})`);
  const nodeGyp = findNodeGyp(nodeDir);
  if (!nodeGyp) missing.push('node-gyp (it ships with npm; or set npm_config_node_gyp to its bin/node-gyp.js)');
  if (!pkg.nodePreGyp) missing.push(`@mapbox/node-pre-gyp (a dependency of ${pkg.name}; reinstall it)`);
  if (missing.length > 0 || !cxx || !nodeGyp || !pkg.nodePreGyp) return { ok: false, missing };
  return { ok: true, toolchain: { python, cxx, nodeGyp, nodePreGyp: pkg.nodePreGyp, nodeDir } };
}

/** Throws `toolchain-missing` for a failed {@link ToolchainCheck}. */
export function requireToolchain(check: ToolchainCheck): Toolchain {
  if (check.ok) return check.toolchain;
  throw new NativeBuildError('toolchain-missing', `Cannot compile the TensorFlow addon; missing: ${check.missing.join('; ')}.`, check.missing);
}
