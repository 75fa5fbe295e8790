/**
 * Stand-alone runner of `buildNative` (from `@rfm/backend`), used by `scripts/ci-native.sh` and
 * usable before the `rfm backend build-native` CLI command exists.
 *
 *   pnpm exec tsx --conditions=@rfm/source scripts/build-native.ts [--wheel FILE | --from-pip | --archive FILE]
 *        [--gpu] [--force] [--link-mode symlink|hardlink|copy] [--cache-dir DIR] [--verbose] [--json]
 *
 * Exit codes: 0 built or already built; 3 this machine cannot build it (message says why); 1 failure.
 */
// A relative import: the root package does not depend on the workspace packages.
import { buildNative, type BuildNativeOptions, NativeBuildError } from '../packages/backend/src/native/index.js';

const args = process.argv.slice(2);
const take = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
  args.splice(i, 2);
  return v;
};
const flag = (name: string): boolean => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};

const verbose = flag('--verbose');
const json = flag('--json');
const wheel = take('--wheel');
const archive = take('--archive');
const linkMode = take('--link-mode') as BuildNativeOptions['linkMode'];
const cacheDir = take('--cache-dir');
const options: BuildNativeOptions = {
  ...(wheel ? { wheel } : {}),
  ...(archive ? { archive } : {}),
  ...(flag('--from-pip') ? { source: 'pip' as const } : {}),
  ...(flag('--download') ? { source: 'download' as const } : {}),
  gpu: flag('--gpu'),
  force: flag('--force'),
  ...(linkMode ? { linkMode } : {}),
  ...(cacheDir ? { cacheDir } : {}),
  onProgress: (e) => {
    if (e.step === 'done') return; // the summary is printed once at the end
    if (e.level !== 'debug' || verbose) process.stderr.write(`[build-native:${e.step}]${e.level === 'warn' ? ' warn:' : ''} ${e.message}\n`);
  },
};
if (args.length > 0) {
  process.stderr.write(`unknown arguments: ${args.join(' ')}\n`);
  process.exit(2);
}

try {
  const r = await buildNative(options);
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else process.stdout.write(`${r.summary.join('\n')}\nTimes: total ${(r.timings.totalMs / 1000).toFixed(1)} s (library ${(r.timings.libraryMs / 1000).toFixed(1)} s, compile ${(r.timings.compileMs / 1000).toFixed(1)} s, verify ${(r.timings.verifyMs / 1000).toFixed(1)} s)\n`);
  process.exit(0);
} catch (e) {
  if (e instanceof NativeBuildError) {
    process.stderr.write(`build-native: ${e.message}\n`);
    for (const d of e.details) process.stderr.write(`  ${d}\n`);
    process.exit(e.cannotBuild ? 3 : 1);
  }
  throw e;
}
