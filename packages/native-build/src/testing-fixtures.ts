/**
 * Test fixtures for the native build: a fake tfjs-node package (same `binary` config and link flags
 * as the real one, a one-function addon) and a fake TensorFlow C library (two tiny shared libraries
 * with the real sonames and a `TF_Version()`), packed as a wheel and as a libtensorflow tarball.
 * Building against them exercises the whole pipeline in seconds instead of the real 850 MB library.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTool } from './native-process.js';

/** Version string the fake library reports. */
export const FAKE_TF_VERSION = '0.0.0-fake';

const C_API_H = `#ifndef FAKE_TF_C_API_H
#define FAKE_TF_C_API_H
#ifdef __cplusplus
extern "C" {
#endif
const char* TF_Version(void);
#ifdef __cplusplus
}
#endif
#endif
`;

const BINDING_CC = `#include <node_api.h>
#include "tensorflow/c/eager/c_api.h"
static napi_value Init(napi_env env, napi_value exports) {
  napi_value v;
  napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "TF_Version", v);
  return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
`;

// Same Linux link flags as tfjs-node 4.22.0's binding.gyp (rpath into ../../deps/lib).
const BINDING_GYP = `{
  'targets': [{
    'target_name': 'tfjs_binding',
    'sources': ['binding/tfjs_binding.cc'],
    'include_dirs': ['<(module_root_dir)/deps/include'],
    'libraries': ['-Wl,-rpath,\\$$ORIGIN/../../deps/lib', '-ltensorflow', '-ltensorflow_framework'],
    'library_dirs': ['<(module_root_dir)/deps/lib'],
  }, {
    'target_name': 'action_after_build',
    'type': 'none',
    'dependencies': ['<(module_name)'],
    'copies': [{ 'files': ['<(PRODUCT_DIR)/<(module_name).node'], 'destination': '<(module_path)' }],
  }],
  'defines': ['NAPI_VERSION=<(napi_build_version)'],
}
`;

// The few tfjs calls verifyNativeAddon makes, answered by the fake addon.
const INDEX_JS = `const path = require('path');
const binding = require(path.join(__dirname, 'lib', 'napi-v8', 'tfjs_binding.node'));
exports.getBackend = () => 'tensorflow';
exports.backend = () => ({ binding });
exports.tensor2d = (v) => ({ v });
exports.matMul = (a, b) => ({
  dataSync: () => [0, 1].flatMap((i) => [0, 1].map((j) => a.v[i][0] * b.v[0][j] + a.v[i][1] * b.v[1][j])),
});
`;

/** Paths of the fixtures made by {@link makeNativeFixtures}. */
export interface NativeFixtures {
  /** Fake tfjs-node package directory (pristine: no deps/, no lib/). */
  readonly packageDir: string;
  /** A copy whose addon source does not compile. */
  readonly brokenPackageDir: string;
  /** Fake wheel with the library and headers (plus an extra header that must not be unpacked). */
  readonly wheel: string;
  /** Fake wheel without `libtensorflow_cc.so.2`. */
  readonly wheelWithoutLibrary: string;
  /** Fake `libtensorflow-cpu-linux-x86_64-0.0.2.tar.gz` with the tarball layout (versioned names + symlinks). */
  readonly archive: string;
}

async function must(command: string, args: string[], cwd?: string): Promise<void> {
  const r = await runTool(command, args, { cwd, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.code}):\n${r.tail.join('\n')}`);
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Creates the fixtures under `root`.
 *
 * @param root - an empty temporary directory
 * @param nodePreGypDir - directory of an installed `@mapbox/node-pre-gyp` (linked into the fake package)
 * @param cxx - C++ compiler
 * @param python - Python interpreter (packs the wheels)
 */
export async function makeNativeFixtures(root: string, nodePreGypDir: string, cxx: string, python: string): Promise<NativeFixtures> {
  // The fake library: libtensorflow_cc.so.2 (TF_Version) and libtensorflow_framework.so.2.
  const lib = path.join(root, 'lib-src');
  write(path.join(lib, 'cc.cc'), `extern "C" const char* TF_Version(void) { return "${FAKE_TF_VERSION}"; }\n`);
  write(path.join(lib, 'fw.cc'), 'extern "C" int tf_framework_marker(void) { return 1; }\n');
  await must(cxx, ['-shared', '-fPIC', '-Wl,-soname,libtensorflow_cc.so.2', '-o', 'libtensorflow_cc.so.2', 'cc.cc'], lib);
  await must(cxx, ['-shared', '-fPIC', '-Wl,-soname,libtensorflow_framework.so.2', '-o', 'libtensorflow_framework.so.2', 'fw.cc'], lib);

  // Wheels.
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  const wheel = path.join(root, `tensorflow_cpu-0.0.1-cp311-cp311-manylinux_2_27_${arch}.whl`);
  const wheelWithoutLibrary = path.join(root, `tensorflow_cpu-0.0.3-cp311-cp311-manylinux_2_27_${arch}.whl`);
  const members = {
    'tensorflow/libtensorflow_cc.so.2': path.join(lib, 'libtensorflow_cc.so.2'),
    'tensorflow/libtensorflow_framework.so.2': path.join(lib, 'libtensorflow_framework.so.2'),
    'tensorflow/include/tensorflow/c/c_api.h': C_API_H,
    'tensorflow/include/tensorflow/c/eager/c_api.h': '#include "tensorflow/c/c_api.h"\n',
    'tensorflow/include/absl/not_needed.h': '// must not be unpacked\n',
    'tensorflow/__init__.py': '',
  };
  const pack = `
import json, os, sys, zipfile
out, members, skip = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, src in members.items():
        if name == skip:
            continue
        if os.path.isabs(src) and os.path.exists(src):
            z.write(src, name)
        else:
            z.writestr(name, src)
`;
  await must(python, ['-c', pack, wheel, JSON.stringify(members), '']);
  await must(python, ['-c', pack, wheelWithoutLibrary, JSON.stringify(members), 'tensorflow/libtensorflow_cc.so.2']);

  // A libtensorflow tarball: lib/libtensorflow.so.0.0.2 with .so.2 and .so symlinks, like Google's.
  const tarRoot = path.join(root, 'tar-src');
  fs.mkdirSync(path.join(tarRoot, 'lib'), { recursive: true });
  write(path.join(tarRoot, 'include', 'tensorflow', 'c', 'c_api.h'), C_API_H);
  write(path.join(tarRoot, 'include', 'tensorflow', 'c', 'eager', 'c_api.h'), '#include "tensorflow/c/c_api.h"\n');
  for (const [name, src] of [
    ['libtensorflow', 'cc.cc'],
    ['libtensorflow_framework', 'fw.cc'],
  ] as const) {
    await must(cxx, ['-shared', '-fPIC', `-Wl,-soname,${name}.so.2`, '-o', path.join(tarRoot, 'lib', `${name}.so.0.0.2`), path.join(lib, src)]);
    fs.symlinkSync(`${name}.so.0.0.2`, path.join(tarRoot, 'lib', `${name}.so.2`));
    fs.symlinkSync(`${name}.so.2`, path.join(tarRoot, 'lib', `${name}.so`));
  }
  const archive = path.join(root, 'libtensorflow-cpu-linux-x86_64-0.0.2.tar.gz');
  await must('tar', ['-czf', archive, '-C', tarRoot, 'include', 'lib']);

  // The fake package.
  const makePackage = (dir: string, cc: string, version: string): void => {
    write(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: '@tensorflow/tfjs-node',
        version,
        main: 'index.js',
        binary: {
          module_name: 'tfjs_binding',
          module_path: './lib/napi-v{napi_build_version}',
          host: 'https://example.invalid/',
          remote_path: './napi-v{napi_build_version}/{version}/',
          napi_versions: [8],
        },
      }),
    );
    write(path.join(dir, 'binding.gyp'), BINDING_GYP);
    write(path.join(dir, 'binding', 'tfjs_binding.cc'), cc);
    write(path.join(dir, 'index.js'), INDEX_JS);
    fs.mkdirSync(path.join(dir, 'node_modules', '@mapbox'), { recursive: true });
    fs.symlinkSync(nodePreGypDir, path.join(dir, 'node_modules', '@mapbox', 'node-pre-gyp'));
  };
  const packageDir = path.join(root, 'tfjs-node');
  const brokenPackageDir = path.join(root, 'tfjs-node-broken');
  makePackage(packageDir, BINDING_CC, '0.0.1-fake');
  // Another version, so the addon compiled for the good package is not reused from the cache.
  makePackage(brokenPackageDir, `${BINDING_CC}\nthis is not C++;\n`, '0.0.1-broken');
  return { packageDir, brokenPackageDir, wheel, wheelWithoutLibrary, archive };
}
