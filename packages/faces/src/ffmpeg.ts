/**
 * Finding an ffmpeg binary: `RFM_FFMPEG`, else the system's (`ffmpeg` on the PATH), else the one
 * shipped inside the npm package `@ffmpeg-installer/ffmpeg` when it is installed. Nothing is ever
 * downloaded.
 *
 * @packageDocumentation
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A usable ffmpeg. */
export interface FfmpegBinary {
  /** Path or command name to run. */
  readonly path: string;
  /** Where it came from. */
  readonly source: 'env' | 'system' | 'npm';
  /** First line of `ffmpeg -version`. */
  readonly version: string;
}

/** Options of {@link findFfmpeg} (tests use them to simulate machines). */
export interface FindFfmpegOptions {
  /** Value of `RFM_FFMPEG`. @default process.env.RFM_FFMPEG */
  readonly envPath?: string | undefined;
  /** Command name tried on the PATH; `null` skips the system. @default 'ffmpeg' */
  readonly systemCommand?: string | null;
  /** npm packages tried, in order, each exporting `{ path }`; empty skips npm. @default ['@ffmpeg-installer/ffmpeg'] */
  readonly npmPackages?: readonly string[];
}

const cache = new Map<string, FfmpegBinary | undefined>();

function probe(path: string): string | undefined {
  const r = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  return r.stdout.split('\n')[0]?.trim() ?? 'ffmpeg';
}

/**
 * The ffmpeg to use, or `undefined` when there is none (videos then fail with
 * {@link FfmpegUnavailableError}; images do not need ffmpeg).
 *
 * @param options - where to look (defaults: environment, PATH, `@ffmpeg-installer/ffmpeg`)
 */
export function findFfmpeg(options: FindFfmpegOptions = {}): FfmpegBinary | undefined {
  const envPath = 'envPath' in options ? options.envPath : process.env.RFM_FFMPEG;
  const systemCommand = options.systemCommand === undefined ? 'ffmpeg' : options.systemCommand;
  const npmPackages = options.npmPackages ?? ['@ffmpeg-installer/ffmpeg'];
  const key = JSON.stringify([envPath, systemCommand, npmPackages]);
  if (cache.has(key)) return cache.get(key);
  let found: FfmpegBinary | undefined;
  if (envPath) {
    const version = probe(envPath);
    if (version) found = { path: envPath, source: 'env', version };
  }
  if (!found && systemCommand) {
    const version = probe(systemCommand);
    if (version) found = { path: systemCommand, source: 'system', version };
  }
  if (!found) {
    const req = createRequire(import.meta.url);
    for (const name of npmPackages) {
      try {
        const path = (req(name) as { path?: string }).path;
        if (path && existsSync(path)) {
          const version = probe(path);
          if (version) {
            found = { path, source: 'npm', version };
            break;
          }
        }
      } catch {
        // not installed: try the next one
      }
    }
  }
  cache.set(key, found);
  return found;
}
