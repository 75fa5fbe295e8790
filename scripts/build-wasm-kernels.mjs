#!/usr/bin/env node
/**
 * Assembles the hand-written WebAssembly kernels of @rfm/backend (`packages/backend/src/wasm/simd/*.wat`)
 * into `<name>.generated.ts` files that hold the module as base64, so the package ships them inside
 * its JavaScript. Run after editing a `.wat` file: `node scripts/build-wasm-kernels.mjs`; a test in
 * the backend package checks that the generated files match their sources.
 */
import { readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from '../packages/backend/node_modules/wabt/index.js';

const dir = fileURLToPath(new URL('../packages/backend/src/wasm/simd/', import.meta.url));
const wabt = await wabtInit();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
  const name = file.slice(0, -'.wat'.length);
  const module = wabt.parseWat(file, readFileSync(join(dir, file), 'utf8'), { simd: true, bulk_memory: true });
  module.validate();
  const bytes = Buffer.from(module.toBinary({}).buffer);
  module.destroy();
  const constant = name.replace(/-([a-z])/g, (_, ch) => ch.toUpperCase()).replace(/^./, (ch) => ch.toLowerCase());
  const text = [
    `/** ${file} assembled by scripts/build-wasm-kernels.mjs (do not edit; re-run the script). */`,
    `export const ${constant}Wasm = '${bytes.toString('base64')}';`,
    '',
  ].join('\n');
  const target = join(dir, `${name}.generated.ts`);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  console.log(`${file}: ${bytes.length} bytes -> ${name}.generated.ts`);
}
