#!/usr/bin/env node
/**
 * Assembles the hand-written WebAssembly kernels of @rfm/backend (`packages/backend/src/wasm/simd/*.wat`)
 * into `<name>.generated.ts` files that hold each module as base64, so the package ships them inside
 * its JavaScript: once as written (for the single-threaded wasm build's plain memory) and once
 * importing a shared memory (for the threaded build, whose heap is a `SharedArrayBuffer`).
 * Run after editing a `.wat` file: `node scripts/build-wasm-kernels.mjs`. The backend's test
 * `simd-kernels.test.ts` imports {@link assemble} and checks the generated files against their sources.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The WebAssembly features the kernels use. */
export const FEATURES = { simd: true, relaxed_simd: true, bulk_memory: true, threads: true };
/** The memory import every kernel source declares. */
export const PLAIN_MEMORY = '(import "env" "memory" (memory 1))';
/** Its shared form for the threaded build (the largest maximum a wasm32 heap can have). */
export const SHARED_MEMORY = '(import "env" "memory" (memory 1 65536 shared))';

/**
 * Assembles one module's source, as written or with a shared memory import, to base64.
 *
 * @param {{ parseWat: Function }} wabt - an initialised wabt
 * @param {string} file - file name, for messages
 * @param {string} source - the .wat text (declaring PLAIN_MEMORY)
 * @param {boolean} shared - whether to import a shared memory
 * @returns {string} the module's bytes as base64
 */
export function assemble(wabt, file, source, shared) {
  if (!source.includes(PLAIN_MEMORY)) throw new Error(`${file} must import its memory as ${PLAIN_MEMORY}`);
  const module = wabt.parseWat(file, shared ? source.replace(PLAIN_MEMORY, SHARED_MEMORY) : source, FEATURES);
  try {
    module.validate(FEATURES);
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

/** wabt, a development dependency of @rfm/backend, initialised. */
export async function loadWabt() {
  const resolve = createRequire(new URL('../packages/backend/package.json', import.meta.url)).resolve;
  const { default: wabtInit } = await import(pathToFileURL(resolve('wabt')).href);
  return wabtInit();
}

/** Writes `<name>.generated.ts` for every `.wat` file of the kernel folder. */
async function build() {
  const wabt = await loadWabt();
  const dir = fileURLToPath(new URL('../packages/backend/src/wasm/simd/', import.meta.url));
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    const name = file.slice(0, -'.wat'.length);
    const source = readFileSync(join(dir, file), 'utf8');
    const constant = `${name.replace(/-([a-z])/g, (_, ch) => ch.toUpperCase())}Wasm`;
    const text = [
      `/** ${file} assembled by scripts/build-wasm-kernels.mjs (do not edit; re-run the script). */`,
      `export const ${constant} = {`,
      `  plain: '${assemble(wabt, file, source, false)}',`,
      `  shared: '${assemble(wabt, file, source, true)}',`,
      '};',
      '',
    ].join('\n');
    const target = join(dir, `${name}.generated.ts`);
    writeFileSync(`${target}.tmp`, text);
    renameSync(`${target}.tmp`, target);
    console.log(`${file} -> ${name}.generated.ts`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
