/**
 * The inputs of `prepare` and `predict`: image and video files, found in files and folders.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve, sep } from 'node:path';
import { InvalidOptionError } from '@rfm/core';
import { compareIds, decodeImage, isImageFile } from '@rfm/data';
import { isVideoFile, readVideoFrames, type VideoFrame } from './video-frames.js';
import type { FfmpegBinary } from './ffmpeg.js';

/** One photo or video to process. */
export interface MediaSource {
  /** Absolute path. */
  readonly path: string;
  /** Photo or video. */
  readonly kind: 'image' | 'video';
}

/**
 * Expands files and folders (recursively, sorted, hidden entries skipped) into photos and videos.
 * Inside folders, files that are neither images nor videos are ignored; a file named directly is
 * taken as a video when its extension says so, else as an image.
 *
 * @param inputs - files and folders
 * @throws `InvalidOptionError` naming an input that does not exist
 */
export function listMediaSources(inputs: readonly string[]): MediaSource[] {
  const out: MediaSource[] = [];
  const seen = new Set<string>();
  const add = (path: string, kind: MediaSource['kind']): void => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, kind });
  };
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => compareIds(a.name, b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (isVideoFile(e.name)) add(p, 'video');
      else if (isImageFile(e.name)) add(p, 'image');
    }
  };
  for (const input of inputs) {
    const abs = resolve(input);
    const info = statSync(abs, { throwIfNoEntry: false });
    if (!info) throw new InvalidOptionError('input', input, 'an existing image, video or folder');
    if (info.isDirectory()) walk(abs);
    else add(abs, isVideoFile(abs) ? 'video' : 'image');
  }
  return out;
}

/**
 * SHA-256 of a file's bytes (streamed).
 *
 * @param path - the file
 * @returns 64 hex digits
 */
export function fileSha256(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', rej)
      .on('end', () => res(h.digest('hex')));
  });
}

/**
 * A folder name for a source: its file name without extension, reduced to `[A-Za-z0-9._-]`, plus
 * the first 8 hex digits of its content hash (two files of one name never collide, and the name
 * stays the same for the same bytes).
 *
 * @param path - the source file
 * @param sha256 - its content hash
 */
export function sourceFolderName(path: string, sha256: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60) || 'source';
  return `${stem}-${sha256.slice(0, 8)}`;
}

/**
 * The frames of a source: the photo itself (frame 0), or `frames` evenly spaced video frames.
 *
 * @param source - a photo or video
 * @param frames - frames to sample from a video
 * @param ffmpeg - the ffmpeg binary for videos (default: found on the machine)
 * @returns the frames and the video's frame count (1 for a photo)
 * @throws `ImageDecodeError`, `VideoDecodeError` or `FfmpegUnavailableError`
 */
export async function readSourceFrames(
  source: MediaSource,
  frames: number,
  ffmpeg?: FfmpegBinary | undefined,
): Promise<{ total: number; frames: VideoFrame[] }> {
  if (source.kind === 'image') return { total: 1, frames: [{ index: 0, image: await decodeImage(source.path) }] };
  return readVideoFrames(source.path, ffmpeg === undefined ? { frames } : { frames, ffmpeg });
}

/**
 * The label a source's path implies: a `real` folder on its path means real; a `fake` folder means
 * fake, its sub-folder (if the file is not directly inside) names the technique.
 *
 * @param path - the source path
 * @returns label and technique, or `undefined` when the path does not tell
 */
export function labelFromPath(path: string): { label: 'real' | 'fake'; technique: string } | undefined {
  const parts = resolve(path).split(sep);
  for (let i = parts.length - 2; i >= 0; i--) {
    const p = parts[i]!.toLowerCase();
    if (p === 'real') return { label: 'real', technique: 'real' };
    if (p === 'fake') return { label: 'fake', technique: i + 2 < parts.length ? parts[i + 1]! : 'fake' };
  }
  return undefined;
}
