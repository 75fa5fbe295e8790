/**
 * Unpacking a TensorFlow C library into a staging directory with `lib/` and `include/`:
 * from a TensorFlow wheel (via Python's zipfile, streaming, only the files needed) or from a
 * libtensorflow tarball (via `tar`).
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeBuildError } from './native-errors.js';
import { runTool } from './native-process.js';

/** Wheel members copied to `lib/` (the C API lives in libtensorflow_cc since TF 2.x wheels). */
export const WHEEL_LIBRARIES: Readonly<Record<string, string>> = {
  'tensorflow/libtensorflow_cc.so.2': 'lib/libtensorflow_cc.so.2',
  'tensorflow/libtensorflow_framework.so.2': 'lib/libtensorflow_framework.so.2',
};

/**
 * Header folders copied from the wheel (2 MB of its 268 MB of headers): the C API and what it
 * includes (`tensorflow/c/*`, ctstring from `tensorflow/core/platform` and `tsl/platform`,
 * `xla/tsl/c/tsl_status.h`), found with `g++ -MM` on tfjs-node 4.22.0's binding sources.
 */
export const WHEEL_HEADER_DIRS: readonly string[] = [
  'tensorflow/c/',
  'tensorflow/core/platform/',
  'tsl/',
  'xla/tsl/c/',
  'xla/tsl/platform/',
];

/** Unversioned names `-ltensorflow` / `-ltensorflow_framework` link against → the wheel's files. */
export const WHEEL_LINK_NAMES: Readonly<Record<string, string>> = {
  'libtensorflow.so': 'libtensorflow_cc.so.2',
  'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
};

// Streams the selected members out of the wheel; prints one JSON line; exit 3 when a library is missing.
const EXTRACT_PY = `
import json, os, shutil, sys, zipfile
wheel, dest, libs, header_dirs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
files = 0
size = 0
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    missing = [m for m in libs if m not in names]
    if missing:
        print(json.dumps({"missing": missing}))
        sys.exit(3)
    for info in z.infolist():
        name = info.filename
        if name.endswith("/") or ".." in name.split("/"):
            continue
        if name in libs:
            target = libs[name]
        else:
            rel = name[len("tensorflow/include/"):] if name.startswith("tensorflow/include/") else None
            if rel is None or not any(rel.startswith(d) for d in header_dirs):
                continue
            target = "include/" + rel
        out = os.path.join(dest, target)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.chmod(out, 0o755 if name in libs else 0o644)
        files += 1
        size += info.file_size
print(json.dumps({"files": files, "bytes": size}))
`;

/**
 * Unpacks the C library and headers of a TensorFlow wheel into `staged` (`lib/`, `include/`), and
 * adds the unversioned `libtensorflow.so` / `libtensorflow_framework.so` symlinks.
 *
 * @param wheel - the wheel file
 * @param staged - an empty directory
 * @param python - Python interpreter
 * @param onLine - tool output
 * @returns how many files and bytes were written
 */
export async function unpackWheel(wheel: string, staged: string, python: string, onLine?: (l: string) => void): Promise<{ files: number; bytes: number }> {
  const r = await runTool(python, ['-c', EXTRACT_PY, wheel, staged, JSON.stringify(WHEEL_LIBRARIES), JSON.stringify(WHEEL_HEADER_DIRS)], {
    timeoutMs: 15 * 60_000,
    onLine,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code === 3) {
    const missing = (JSON.parse(last) as { missing: string[] }).missing;
    throw new NativeBuildError(
      'no-library-source',
      `The wheel ${path.basename(wheel)} has no ${missing.join(', ')}: it does not ship the TensorFlow C library (TensorFlow 2.x CPU/GPU wheels for Linux from about 2.10 on do; tensorflow-cpu==2.21.0 does).`,
    );
  }
  if (r.code !== 0) {
    const how = r.code === 127 ? `${python} was not found (set PYTHON or pass the python option)` : `${python} failed (exit ${r.code})`;
    throw new NativeBuildError(r.code === 127 ? 'toolchain-missing' : 'no-library-source', `Cannot unpack ${wheel}: ${how}.`, r.tail);
  }
  for (const [link, target] of Object.entries(WHEEL_LINK_NAMES)) fs.symlinkSync(target, path.join(staged, 'lib', link));
  return JSON.parse(last) as { files: number; bytes: number };
}

/**
 * Unpacks a libtensorflow tarball (`include/`, `lib/` with its own symlinks) into `staged`.
 *
 * @param archive - the `.tar.gz`
 * @param staged - an empty directory
 * @param onLine - tool output
 */
export async function unpackArchive(archive: string, staged: string, onLine?: (l: string) => void): Promise<void> {
  const r = await runTool('tar', ['-xzf', archive, '-C', staged], { timeoutMs: 15 * 60_000, onLine });
  if (r.code !== 0) {
    throw new NativeBuildError(
      r.code === 127 ? 'toolchain-missing' : 'no-library-source',
      `Cannot unpack ${archive} with tar (exit ${r.code}); is it a libtensorflow .tar.gz?`,
      r.tail,
    );
  }
}
