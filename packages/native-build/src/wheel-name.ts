/**
 * Parsing of wheel and libtensorflow tarball file names into cache ids.
 *
 * @packageDocumentation
 */
import * as path from 'node:path';

/** The parts of a wheel file name (PEP 427). */
export interface WheelName {
  /** Normalised distribution, e.g. `tensorflow_cpu`. */
  readonly distribution: string;
  /** Version, e.g. `2.21.0`. */
  readonly version: string;
  /** Python tag, e.g. `cp311` (irrelevant to the C library). */
  readonly python: string;
  /** Platform tag, e.g. `manylinux_2_27_x86_64`. */
  readonly platform: string;
}

/**
 * Parses `tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl`.
 *
 * @param file - a path or file name
 * @returns the parts, or null when it is not a wheel name
 */
export function parseWheelName(file: string): WheelName | null {
  const m = /^([A-Za-z0-9_.]+)-([0-9][^-]*)(?:-[0-9][^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(path.basename(file));
  if (!m) return null;
  return { distribution: m[1]!.toLowerCase().replace(/[-.]+/g, '_'), version: m[2]!, python: m[3]!, platform: m[5]! };
}

/** Cache id of a wheel's library: `<distribution>-<version>`, e.g. `tensorflow_cpu-2.21.0`. */
export function wheelLibraryId(distribution: string, version: string): string {
  return `${distribution.toLowerCase().replace(/[-.]+/g, '_')}-${version}`;
}

/**
 * True when a wheel's platform tag can run here (Linux, same CPU architecture).
 *
 * @param platformTag - e.g. `manylinux_2_27_x86_64`
 * @param arch - `process.arch`
 */
export function wheelFitsPlatform(platformTag: string, arch: string = process.arch): boolean {
  const wanted = arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : arch;
  return platformTag.split('.').some((t) => t.includes('linux') && t.endsWith(wanted));
}

/**
 * Cache id and TensorFlow version of a libtensorflow tarball name
 * (`libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz` → `libtensorflow-cpu-linux-x86_64-2.9.1`, `2.9.1`).
 *
 * @param fileOrUrl - path or URL
 */
export function archiveLibraryId(fileOrUrl: string): { id: string; tfVersion: string; flavour: 'cpu' | 'gpu' } {
  const base = path.basename(fileOrUrl.split('?')[0]!).replace(/\.(tar\.gz|tgz)$/, '');
  const id = base.replace(/[^A-Za-z0-9._-]/g, '_');
  const v = /(\d+)[._](\d+)(?:[._](\d+))?(?!.*\d[._]\d)/.exec(base);
  const tfVersion = v ? [v[1], v[2], v[3]].filter((x) => x !== undefined).join('.') : 'unknown';
  return { id, tfVersion, flavour: /gpu/i.test(base) ? 'gpu' : 'cpu' };
}
