/**
 * Finds `@tensorflow/tfjs-node` (or `-gpu`) as installed for `@rfm/backend` and reads the facts
 * the build needs from its own files: version, N-API build version, binding path, the libtensorflow
 * version and download URL its install script would use.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeBuildError } from './native-errors.js';

/** The two npm packages that carry the native TensorFlow backend. */
export type NativePackageName = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** An installed tfjs-node package. */
export interface NativePackage {
  /** npm name. */
  readonly name: NativePackageName;
  /** npm version, e.g. `4.22.0`. */
  readonly version: string;
  /** Real (symlink-free) package directory. */
  readonly dir: string;
  /** N-API version the addon is built for: the highest of the package's `napi_versions` this Node supports. */
  readonly napiBuildVersion: number;
  /** Where tfjs-node loads its addon from: `<dir>/lib/napi-v<n>/tfjs_binding.node`. */
  readonly bindingPath: string;
  /** `<dir>/deps`: the TensorFlow C library and headers the addon links against. */
  readonly depsDir: string;
  /** libtensorflow version tfjs-node's install script downloads (`2.9.1` for 4.22.0). */
  readonly libtensorflowVersion: string;
  /** `@mapbox/node-pre-gyp`'s CLI script, or null when it is not installed. */
  readonly nodePreGyp: string | null;
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly binary?: { readonly module_path?: string; readonly napi_versions?: readonly number[] };
  readonly bin?: string | Record<string, string>;
}

function readJson(file: string): PackageJson {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as PackageJson;
}

/** The package name of a flavour. */
export function nativePackageName(gpu: boolean): NativePackageName {
  return gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
}

/**
 * Locates the installed tfjs-node package.
 *
 * @param gpu - the `-gpu` flavour
 * @param packageDir - use this directory instead of resolving the package from `@rfm/backend`
 * @throws NativeBuildError `package-missing` when it is not installed
 */
export function locateNativePackage(gpu: boolean, packageDir: string | null = null): NativePackage {
  const name = nativePackageName(gpu);
  let manifest: string;
  if (packageDir) {
    manifest = path.join(packageDir, 'package.json');
    if (!fs.existsSync(manifest)) {
      throw new NativeBuildError('package-missing', `No package.json in packageDir ${packageDir}; point it at the ${name} package directory.`);
    }
  } else {
    try {
      manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
    } catch (e) {
      throw new NativeBuildError(
        'package-missing',
        `${name} is not installed next to @rfm/native-build (it is an optional dependency; was the install run with --no-optional?). Run \`pnpm install\` in the workspace, then build again.`,
        [],
        { cause: e },
      );
    }
  }
  const dir = fs.realpathSync(path.dirname(manifest));
  const pkg = readJson(path.join(dir, 'package.json'));
  const napiVersions = pkg.binary?.napi_versions ?? [];
  const nodeNapi = Number(process.versions.napi ?? '0');
  const usable = napiVersions.filter((v) => v <= nodeNapi);
  if (usable.length === 0) {
    throw new NativeBuildError(
      'unsupported-platform',
      `${name}@${pkg.version} supports N-API ${napiVersions.join(', ') || '(none listed)'} but this Node (${process.version}) has N-API ${nodeNapi}.`,
    );
  }
  const napiBuildVersion = Math.max(...usable);
  const modulePath = (pkg.binary?.module_path ?? './lib/napi-v{napi_build_version}').replace('{napi_build_version}', String(napiBuildVersion));
  return {
    name,
    version: pkg.version ?? '0.0.0',
    dir,
    napiBuildVersion,
    bindingPath: path.join(dir, modulePath, 'tfjs_binding.node'),
    depsDir: path.join(dir, 'deps'),
    libtensorflowVersion: readLibtensorflowVersion(dir),
    nodePreGyp: findNodePreGyp(dir),
  };
}

function readLibtensorflowVersion(dir: string): string {
  try {
    const text = fs.readFileSync(path.join(dir, 'scripts', 'deps-constants.js'), 'utf8');
    return /LIBTENSORFLOW_VERSION\s*=\s*['"]([^'"]+)['"]/.exec(text)?.[1] ?? '2.9.1';
  } catch {
    return '2.9.1';
  }
}

function findNodePreGyp(dir: string): string | null {
  try {
    const manifest = createRequire(path.join(dir, 'package.json')).resolve('@mapbox/node-pre-gyp/package.json');
    const pkg = readJson(manifest);
    const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.['node-pre-gyp'] ?? 'bin/node-pre-gyp');
    const file = path.join(path.dirname(manifest), bin);
    return fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/**
 * The libtensorflow tarball URL tfjs-node's `scripts/install.js` would download, honouring the same
 * environment variables (`TFJS_NODE_BASE_URI`, `TFJS_NODE_CDN_STORAGE`, `CDN_STORAGE`, their
 * `npm_config_` forms) and `scripts/custom-binary.json`'s `tf-lib`.
 *
 * @param pkg - the located package
 * @param gpu - the GPU library
 * @param env - environment to read
 * @returns the URL, or null when tfjs-node has no prebuilt library for this platform
 */
export function libtensorflowDownloadUrl(pkg: NativePackage, gpu: boolean, env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const custom = JSON.parse(fs.readFileSync(path.join(pkg.dir, 'scripts', 'custom-binary.json'), 'utf8')) as Record<string, unknown>;
    if (typeof custom['tf-lib'] === 'string') return custom['tf-lib'];
  } catch {
    // no custom binary configured
  }
  const host = env['TFJS_NODE_CDN_STORAGE'] ?? env['npm_config_TFJS_NODE_CDN_STORAGE'] ?? env['CDN_STORAGE'] ?? 'https://storage.googleapis.com/';
  const base = env['TFJS_NODE_BASE_URI'] ?? env['npm_config_TFJS_NODE_BASE_URI'] ?? `${host}tensorflow/libtensorflow/libtensorflow-`;
  if (os.platform() !== 'linux') return null;
  if (os.arch() === 'arm64') return gpu ? null : `${host}tf-builds/libtensorflow_r2_7_linux_arm64.tar.gz`;
  if (os.arch() !== 'x64') return null;
  return `${base}${gpu ? 'gpu' : 'cpu'}-linux-x86_64-${pkg.libtensorflowVersion}.tar.gz`;
}
