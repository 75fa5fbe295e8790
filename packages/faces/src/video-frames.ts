/**
 * Video decoding with ffmpeg: frame count, then the frames at evenly spaced indices as RGB.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { errorMessage, requireOption } from '@rfm/core';
import { decodeImage, type DecodedImage } from '@rfm/data';
import { FfmpegUnavailableError, VideoDecodeError } from './errors.js';
import { findFfmpeg, type FfmpegBinary } from './ffmpeg.js';

/** File extensions read as videos (lower case, with the dot). */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.webm', '.mov', '.avi', '.gif', '.mkv', '.m4v'];

/**
 * True when the path's extension is a video container (see {@link VIDEO_EXTENSIONS}).
 *
 * @param path - file name or path
 */
export function isVideoFile(path: string): boolean {
  return VIDEO_EXTENSIONS.includes(extname(path).toLowerCase());
}

/**
 * `count` indices spread evenly over `[0, total - 1]`, ends included, rounded down and without
 * duplicates (numpy's `linspace(0, total - 1, count).astype(int)`, DeepfakeBench's
 * `fixed_num_frames` sampling). Every frame when `total <= count`.
 *
 * @param total - frames in the video
 * @param count - frames wanted
 */
export function linspaceIndices(total: number, count: number): number[] {
  requireOption(Number.isInteger(total) && total >= 0, 'total', total, 'an integer >= 0');
  requireOption(Number.isInteger(count) && count >= 1, 'count', count, 'an integer >= 1');
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  if (count === 1) return [0];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = Math.floor((i * (total - 1)) / (count - 1) + 1e-9);
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number | null;
}

function run(ffmpeg: FfmpegBinary, args: string[], file: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-20_000);
    });
    child.on('error', (e) => reject(new VideoDecodeError(file, `ffmpeg did not start (${errorMessage(e)})`, { cause: e })));
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: err, code }));
  });
}

function complaint(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] ?? 'ffmpeg failed';
}

/**
 * Counts the frames of a video by decoding it once (containers' own counts are often missing or
 * wrong, e.g. for GIF and WebM).
 *
 * @param file - the video
 * @param ffmpegBinary - the binary; `undefined`: {@link findFfmpeg}; `null`: none
 * @throws {@link FfmpegUnavailableError} without ffmpeg; {@link VideoDecodeError} for an unreadable video
 */
export async function countVideoFrames(file: string, ffmpegBinary?: FfmpegBinary | null): Promise<number> {
  const ffmpeg = ffmpegBinary === undefined ? findFfmpeg() : ffmpegBinary;
  if (!ffmpeg) throw new FfmpegUnavailableError(file);
  const r = await run(ffmpeg, ['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-f', 'null', '-'], file);
  const matches = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
  if (r.code !== 0 || matches.length === 0) throw new VideoDecodeError(file, complaint(r.stderr));
  return Number(matches[matches.length - 1]![1]);
}

/** Splits a stream of concatenated PNG files. */
export function splitPngStream(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start + 8 <= bytes.length) {
    let p = start + 8;
    for (;;) {
      if (p + 12 > bytes.length) return out;
      const len = bytes.readUInt32BE(p);
      const type = bytes.toString('latin1', p + 4, p + 8);
      p += 12 + len;
      if (type === 'IEND') break;
    }
    out.push(bytes.subarray(start, p));
    start = p;
  }
  return out;
}

/** One decoded video frame. */
export interface VideoFrame {
  /** 0-based frame index in the video. */
  readonly index: number;
  /** RGB pixels. */
  readonly image: DecodedImage;
}

/** Options of {@link readVideoFrames}. */
export interface ReadVideoFramesOptions {
  /** Frames to sample evenly (linspace). @default 32 */
  readonly frames?: number;
  /** The ffmpeg to use. @default findFfmpeg() */
  readonly ffmpeg?: FfmpegBinary | undefined;
}

/**
 * Decodes `frames` evenly spaced frames of a video (all of them when it is shorter).
 *
 * @param file - mp4, webm, mov, avi, gif... anything ffmpeg reads
 * @param options - frame count, ffmpeg binary
 * @returns the frames in order, with their indices, and the video's frame count
 * @throws {@link FfmpegUnavailableError} without ffmpeg; {@link VideoDecodeError} for an unreadable video
 */
export async function readVideoFrames(file: string, options: ReadVideoFramesOptions = {}): Promise<{ total: number; frames: VideoFrame[] }> {
  const count = options.frames ?? 32;
  requireOption(Number.isInteger(count) && count >= 1, 'frames', count, 'an integer >= 1');
  const ffmpeg = 'ffmpeg' in options ? options.ffmpeg : findFfmpeg();
  const total = await countVideoFrames(file, ffmpeg ?? null);
  const indices = linspaceIndices(total, count);
  if (indices.length === 0) return { total, frames: [] };
  const select = indices.map((i) => `eq(n\\,${i})`).join('+');
  const r = await run(
    ffmpeg!,
    ['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-vf', `select=${select}`, '-vsync', '0', '-pix_fmt', 'rgb24', '-c:v', 'png', '-f', 'image2pipe', '-'],
    file,
  );
  if (r.code !== 0) throw new VideoDecodeError(file, complaint(r.stderr));
  const pngs = splitPngStream(r.stdout);
  if (pngs.length !== indices.length) {
    throw new VideoDecodeError(file, `expected ${indices.length} frames from ffmpeg, got ${pngs.length}`);
  }
  const frames: VideoFrame[] = [];
  for (let i = 0; i < pngs.length; i++) {
    frames.push({ index: indices[i]!, image: await decodeImage(pngs[i]!, { name: `${file}#${indices[i]}` }) });
  }
  return { total, frames };
}
