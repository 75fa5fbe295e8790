/**
 * What `@tensorflow/tfjs-node-gpu` 4.22.0 needs, and a check of this machine against it.
 * Sources: tfjs-node-gpu's README (Linux GPU: NVIDIA driver > 450.x, CUDA 11.2, cuDNN 8.1.0) and
 * its `scripts/deps-constants.js` (libtensorflow 2.9.1).
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTool } from './native-process.js';

/** Versions tfjs-node-gpu 4.22.0 is built for. */
export const TFJS_NODE_GPU_REQUIREMENTS = {
  /** The GPU build of the TensorFlow C library its addon links against. */
  libtensorflow: 'libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz (from storage.googleapis.com)',
  /** CUDA runtime (`libcudart.so.11.0`, cuBLAS 11). */
  cuda: '11.2',
  /** cuDNN (`libcudnn.so.8`). */
  cudnn: '8.1',
  /** NVIDIA driver. */
  driver: '> 450.x',
} as const;

/** Shared libraries the GPU library loads at run time. */
export const GPU_RUNTIME_LIBRARIES: readonly string[] = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'];

/** Result of {@link checkGpuRuntime}. */
export interface GpuRuntimeCheck {
  /** True when an NVIDIA driver, a device and every runtime library were found. */
  readonly ok: boolean;
  /** Whether `/proc/driver/nvidia/version` exists (a loaded NVIDIA kernel driver). */
  readonly driver: boolean;
  /** Runtime libraries found, by name. */
  readonly found: readonly string[];
  /** Runtime libraries not found. */
  readonly missing: readonly string[];
}

/**
 * Looks for the NVIDIA driver and the CUDA 11 / cuDNN 8 runtime libraries (in `ldconfig -p` and
 * `LD_LIBRARY_PATH`).
 */
export async function checkGpuRuntime(): Promise<GpuRuntimeCheck> {
  const driver = fs.existsSync('/proc/driver/nvidia/version');
  let cache = '';
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = await runTool(ldconfig, ['-p'], { timeoutMs: 30_000, tailLines: 0 });
    if (r.code === 0) {
      cache = r.stdout;
      break;
    }
  }
  const dirs = (process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean);
  const has = (lib: string): boolean => cache.includes(`${lib} `) || dirs.some((d) => fs.existsSync(path.join(d, lib)));
  const found = GPU_RUNTIME_LIBRARIES.filter(has);
  const missing = GPU_RUNTIME_LIBRARIES.filter((l) => !has(l));
  return { ok: driver && missing.length === 0, driver, found, missing };
}

/**
 * The explanation given when the GPU build cannot proceed.
 *
 * @param check - what was found
 */
export function gpuUnavailableMessage(check: GpuRuntimeCheck): string {
  const r = TFJS_NODE_GPU_REQUIREMENTS;
  const lacks = [...(check.driver ? [] : ['an NVIDIA GPU with its driver (no /proc/driver/nvidia/version)']), ...check.missing];
  return (
    `@tensorflow/tfjs-node-gpu 4.22.0 needs an NVIDIA driver ${r.driver}, CUDA ${r.cuda} and cuDNN ${r.cudnn} ` +
    `(its README), and links against ${r.libtensorflow}. This machine lacks: ${lacks.join(', ')}. ` +
    'None of these can be fetched offline (Debian has no CUDA 11.2 packages and the npm registry ships no libtensorflow); ' +
    'install CUDA 11.2 + cuDNN 8.1, then run the build with internet access or pass the libtensorflow-gpu tarball as `archive`. ' +
    'Without a GPU, use the CPU build (`gpu: false`).'
  );
}
