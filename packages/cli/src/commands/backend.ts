/**
 * `rfm backend`: which TensorFlow.js backends this machine has, and the offline build of the
 * native TensorFlow binding.
 *
 * @packageDocumentation
 */
import { initBackend, listBackends } from '@rfm/backend';
import { buildNative, nativeAddonStatus, NativeBuildError, type BuildNativeOptions } from '@rfm/native-build';
import { choiceFlag, optionalString, parseCommandArgs } from '../args.js';
import { cliWording } from '../cli-wording.js';
import { CliUsageError, type CliCommand } from '../command.js';

const HELP = `Usage: rfm backend status [--json]
       rfm backend build-native [--wheel FILE | --from-pip | --archive FILE] [--gpu] [--force]
                                [--link-mode symlink|hardlink|copy] [--cache-dir DIR] [--verbose] [--json]

status        tries every backend as \`--backend auto\` would and prints which one runs, why the
              others were skipped, and whether the native addon is built.

build-native  makes the native TensorFlow backend (@tensorflow/tfjs-node) work without the internet:
              puts a TensorFlow C library and its headers where tfjs-node expects them, taken from
              tfjs-node's own download when that works, else from a TensorFlow wheel (--wheel FILE,
              or --from-pip: pip download of tensorflow-cpu from the configured pip index), then
              compiles the addon with node-gyp against the local Node headers. Idempotent; the
              library (~850 MB) is cached under \${XDG_CACHE_HOME:-~/.cache}/rfm-js/native and
              linked into the package. pnpm install never runs this.
  --wheel FILE      a TensorFlow wheel (.whl) holding libtensorflow_cc and its headers
  --from-pip        pip download the matching tensorflow-cpu wheel
  --archive FILE    a libtensorflow .tar.gz as tfjs-node downloads it
  --gpu             build @tensorflow/tfjs-node-gpu (needs libtensorflow-gpu 2.9.1, CUDA 11.2,
                    cuDNN 8.1, NVIDIA driver > 450; none of them can be fetched offline)
  --force           rebuild even when a working build exists
  --link-mode M     how deps/ points at the cached library (default symlink; copy survives a cache wipe)
  --cache-dir DIR   cache folder
  --verbose         print every step
  --json            print the result as JSON

Exit codes: 0 built or already built, 3 this machine cannot build it (the message says why), 1 a
build that should work failed.
`;

/** The `backend` command. */
export const backendCommand: CliCommand = {
  name: 'backend',
  summary: 'show the available backends; build the native TensorFlow backend offline',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'status') {
      const p = parseCommandArgs('backend status', rest, { json: { type: 'boolean' } });
      const report = await initBackend('auto');
      const status = nativeAddonStatus();
      if (p.values.json) {
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
    const p = parseCommandArgs('backend build-native', rest, {
      wheel: { type: 'string' },
      'from-pip': { type: 'boolean' },
      archive: { type: 'string' },
      gpu: { type: 'boolean' },
      force: { type: 'boolean' },
      'link-mode': { type: 'string' },
      'cache-dir': { type: 'string' },
      verbose: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const wheel = optionalString(p, 'wheel');
    const archive = optionalString(p, 'archive');
    if ([wheel !== undefined, archive !== undefined, p.values['from-pip'] === true].filter(Boolean).length > 1) {
      throw new CliUsageError('backend build-native: give at most one of --wheel, --archive, --from-pip');
    }
    const linkMode = choiceFlag(p, 'link-mode', 'backend build-native', ['symlink', 'hardlink', 'copy'] as const);
    const cacheDir = optionalString(p, 'cache-dir');
    const verbose = p.values.verbose === true;
    const options: BuildNativeOptions = {
      ...(wheel ? { wheel } : {}),
      ...(archive ? { archive } : {}),
      ...(p.values['from-pip'] ? { source: 'pip' as const } : {}),
      gpu: p.values.gpu === true,
      force: p.values.force === true,
      ...(linkMode ? { linkMode } : {}),
      ...(cacheDir ? { cacheDir } : {}),
      onProgress: (e) => {
        if (e.step === 'done') return;
        if (e.level !== 'debug' || verbose) io.err(`[build-native:${e.step}]${e.level === 'warn' ? ' warn:' : ''} ${e.message}\n`);
      },
    };
    try {
      const r = await buildNative(options);
      if (p.values.json) io.out(`${JSON.stringify(r, null, 2)}\n`);
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
      return e.cannotBuild ? 3 : 1;
    }
  },
};
