/**
 * Finds the WebAssembly binaries of the installed `@tensorflow/tfjs-backend-wasm`, so the backend
 * loads them from disk in Node instead of from a URL.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** File names of the three wasm builds (plain, SIMD, threaded SIMD). */
export const WASM_BINARIES: readonly string[] = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/**
 * The directory (with a trailing separator, as `setWasmPaths` wants a prefix) holding the wasm
 * binaries of the installed `@tensorflow/tfjs-backend-wasm`.
 */
export function defaultWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
}

/**
 * The wasm binaries missing from `dir` (empty when all are there).
 *
 * @param dir - directory to check
 */
export function missingWasmBinaries(dir: string): string[] {
  return WASM_BINARIES.filter((f) => !existsSync(join(dir, f)));
}
