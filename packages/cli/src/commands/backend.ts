/**
 * `rfm backend`: which TensorFlow.js backends this machine has, and the offline build of the
 * native TensorFlow binding.
 *
 * @packageDocumentation
 */
import { initBackend, listBackends } from '@rfm/backend';
import { buildNative, nativeAddonStatus, NativeBuildError, type BuildNativeOptions } from '@rfm/native-build';
import { cliWording } from '../cli-wording.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { flagHelp, helpColumn, parseFlags, type FlagSpec } from '../flags.js';

/** Flags of `rfm backend status`. */
export const BACKEND_STATUS_FLAGS: readonly FlagSpec[] = [{ name: 'json', kind: 'boolean', help: 'print the report as JSON' }];

/** Flags of `rfm backend build-native`. */
export const BUILD_NATIVE_FLAGS: readonly FlagSpec[] = [
  { name: 'wheel', kind: 'string', value: 'FILE', help: 'a TensorFlow wheel (.whl) holding libtensorflow_cc and its headers' },
  { name: 'from-pip', kind: 'boolean', help: 'pip download the matching tensorflow-cpu wheel' },
  { name: 'archive', kind: 'string', value: 'FILE', help: 'a libtensorflow .tar.gz as tfjs-node downloads it' },
  {
    name: 'gpu',
    kind: 'boolean',
    help: 'build @tensorflow/tfjs-node-gpu (needs libtensorflow-gpu 2.9.1, CUDA 11.2,\ncuDNN 8.1, NVIDIA driver > 450; none of them can be fetched offline)',
  },
  { name: 'force', kind: 'boolean', help: 'rebuild even when a working build exists' },
  {
    name: 'link-mode',
    kind: 'choice',
    value: 'M',
    choices: ['symlink', 'hardlink', 'copy'],
    help: 'how deps/ points at the cached library: symlink (default) | hardlink | copy (survives a cache wipe)',
  },
  { name: 'cache-dir', kind: 'string', value: 'DIR', help: 'cache folder' },
  { name: 'verbose', kind: 'boolean', help: 'print every step' },
  { name: 'json', kind: 'boolean', help: 'print the result as JSON' },
];

/** Exit code of `build-native` when this machine cannot build the addon (not an error of the build). */
export const EXIT_CANNOT_BUILD = 3;

const column = helpColumn([...BACKEND_STATUS_FLAGS, ...BUILD_NATIVE_FLAGS]);

const HELP = `Usage: rfm backend status [--json]
       rfm backend build-native [--wheel FILE | --from-pip | --archive FILE] [--gpu] [--force]
                                [--link-mode symlink|hardlink|copy] [--cache-dir DIR] [--verbose] [--json]

status        tries every backend as \`--backend auto\` would and prints which one runs, why the
              others were skipped, and whether the native addon is built.
${flagHelp(BACKEND_STATUS_FLAGS, column)}

build-native  makes the native TensorFlow backend (@tensorflow/tfjs-node) work without the internet:
              puts a TensorFlow C library and its headers where tfjs-node expects them, taken from
              tfjs-node's own download when that works, else from a TensorFlow wheel (--wheel FILE,
              or --from-pip: pip download of tensorflow-cpu from the configured pip index), then
              compiles the addon with node-gyp against the local Node headers. Idempotent; the
              library (~850 MB) is cached under \${XDG_CACHE_HOME:-~/.cache}/rfm-js/native and
              linked into the package. pnpm install never runs this.
${flagHelp(BUILD_NATIVE_FLAGS, column)}

Exit codes: 0 built or already built, ${EXIT_CANNOT_BUILD} this machine cannot build it (the message says why), 1 a
build that should work failed, 2 bad arguments.
`;

/** The `backend` command. */
export const backendCommand: CliCommand = {
  name: 'backend',
  summary: 'show the available backends; build the native TensorFlow backend offline',
  help: HELP,
  flags: [...BACKEND_STATUS_FLAGS, ...BUILD_NATIVE_FLAGS],
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'status') {
      const f = parseFlags('backend status', rest, BACKEND_STATUS_FLAGS);
      const report = await initBackend('auto');
      const status = nativeAddonStatus();
      if (f.bool('json')) {
        io.out(`${JSON.stringify({ ...report, native: status, backends: listBackends() }, null, 2)}\n`);
        return;
      }
      io.out(`running: ${report.backend} (${report.module})\n`);
      for (const c of report.candidates) io.out(`  ${c.backend.padEnd(10)} ${(c.module ?? '').padEnd(30)} ${c.status.padEnd(9)} ${cliWording(c.reason)}\n`);
      io.out(`native addon: ${cliWording(status.summary)}\n`);
      return;
    }
    if (sub !== 'build-native') {
      throw new CliUsageError(`backend: expected a sub-command, status or build-native, got ${sub === undefined ? 'nothing' : `"${sub}"`} (see rfm backend --help)`);
    }
    const f = parseFlags('backend build-native', rest, BUILD_NATIVE_FLAGS);
    const wheel = f.string('wheel');
    const archive = f.string('archive');
    if ([wheel !== undefined, archive !== undefined, f.bool('from-pip')].filter(Boolean).length > 1) {
      throw new CliUsageError('backend build-native: give at most one of --wheel, --archive, --from-pip');
    }
    const linkMode = f.string<'symlink' | 'hardlink' | 'copy'>('link-mode');
    const cacheDir = f.string('cache-dir');
    const verbose = f.bool('verbose');
    const options: BuildNativeOptions = {
      ...(wheel ? { wheel } : {}),
      ...(archive ? { archive } : {}),
      ...(f.bool('from-pip') ? { source: 'pip' as const } : {}),
      gpu: f.bool('gpu'),
      force: f.bool('force'),
      ...(linkMode ? { linkMode } : {}),
      ...(cacheDir ? { cacheDir } : {}),
      onProgress: (e) => {
        if (e.step === 'done') return;
        if (e.level !== 'debug' || verbose) io.err(`[build-native:${e.step}]${e.level === 'warn' ? ' warn:' : ''} ${e.message}\n`);
      },
    };
    try {
      const r = await buildNative(options);
      if (f.bool('json')) io.out(`${JSON.stringify(r, null, 2)}\n`);
      else {
        io.out(`${r.summary.join('\n')}\n`);
        io.out(
          `Times: total ${(r.timings.totalMs / 1000).toFixed(1)} s (library ${(r.timings.libraryMs / 1000).toFixed(1)} s, compile ${(r.timings.compileMs / 1000).toFixed(1)} s, verify ${(r.timings.verifyMs / 1000).toFixed(1)} s)\n`,
        );
      }
      return 0;
    } catch (e) {
      if (!(e instanceof NativeBuildError)) throw e;
      io.err(`rfm backend build-native: ${cliWording(e.message)}\n`);
      for (const d of e.details) io.err(`  ${cliWording(d)}\n`);
      return e.cannotBuild ? EXIT_CANNOT_BUILD : 1;
    }
  },
};
