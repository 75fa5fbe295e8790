/**
 * Benchmark runner: `pnpm bench <suite> [args]` runs `bench/suites/<suite>.ts`, whose `run(args)`
 * prints one JSON line per measured case. Every figure of one invocation comes from the same run.
 */
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const [suite, ...args] = process.argv.slice(2);
if (!suite || !suites.includes(suite)) {
  process.stderr.write(`usage: pnpm bench <suite> [args]; suites: ${suites.join(', ')}\n`);
  process.exit(2);
}
const mod = (await import(`./suites/${suite}.ts`)) as { run(args: string[]): Promise<void> };
try {
  await mod.run(args);
} catch (e) {
  // Arguments a suite cannot run with: one line, not a stack trace.
  if (!(e instanceof BenchUsageError)) throw e;
  process.stderr.write(`pnpm bench ${suite}: ${e.message}\n`);
  process.exit(2);
}
// wasm and native backends can keep worker threads alive.
process.exit(0);
