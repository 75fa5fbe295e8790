/**
 * `prepare`: photos and videos to aligned face crops, landmarks and a group-safe manifest.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorMessage, InvalidOptionError, requireOption, writeFileAtomic } from '@rfm/core';
import sharp from 'sharp';
import { alignFace, resolveAlignOptions, type AlignOptions } from './alignment.js';
import { FfmpegUnavailableError } from './errors.js';
import type { FaceBox, FaceDetector, Point } from './face-detector.js';
import { selectFaces, type FaceSelection } from './face-selection.js';
import { findFfmpeg, type FfmpegBinary } from './ffmpeg.js';
import { fileSha256, labelFromPath, listMediaSources, readSourceFrames, sourceFolderName, type MediaSource } from './media-sources.js';

/** Options of {@link prepareFaces}. */
export interface PrepareOptions extends AlignOptions {
  /** Files and folders of photos and videos. */
  readonly inputs: readonly string[];
  /** Output folder (created; shared by several runs, e.g. one for reals and one for fakes). */
  readonly out: string;
  /** Frames sampled evenly per video. @default 32 */
  readonly frames?: number;
  /** Label of every input; without it, a `real` or `fake` folder on each path decides. */
  readonly label?: 'real' | 'fake';
  /** Technique of fakes. @default the folder under `fake/`, else 'fake' */
  readonly technique?: string;
  /** `largest` face per frame, or `all` faces at least half its size. @default 'largest' */
  readonly faces?: FaceSelection;
  /** ffmpeg for videos. @default findFfmpeg() */
  readonly ffmpeg?: FfmpegBinary | undefined;
  /** Called after every frame and every source. */
  readonly onProgress?: (p: PrepareProgress) => void;
}

/** Progress of {@link prepareFaces}. */
export interface PrepareProgress {
  /** Sources finished (done, reused or skipped). */
  readonly sourcesDone: number;
  /** Sources in all. */
  readonly sourcesTotal: number;
  /** Frames decoded and processed in this run. */
  readonly frames: number;
  /** Milliseconds since the start. */
  readonly elapsedMs: number;
  /** The source being worked on. */
  readonly current: string;
}

/** One face crop as listed in `landmarks.json`. */
export interface PreparedFace {
  /** Crop file, relative to the source folder. */
  readonly file: string;
  /** Detector box in the source frame. */
  readonly box: FaceBox;
  /** Detector confidence. */
  readonly score: number;
  /** 68 landmarks in the crop. */
  readonly landmarks: Point[];
  /** 68 landmarks in the source frame. */
  readonly sourceLandmarks: Point[];
}

/** `landmarks.json` of one source folder. */
export interface SourceRecord {
  /** Format version. */
  readonly version: 1;
  /** Source path as given (absolute). */
  readonly source: string;
  /** SHA-256 of the source's bytes. */
  readonly sha256: string;
  /** Photo or video. */
  readonly kind: 'image' | 'video';
  /** Label of every crop. */
  readonly label: 'real' | 'fake';
  /** Technique (`real` for reals). */
  readonly technique: string;
  /** Settings the crops were made with (a change re-does the source). */
  readonly settings: PrepareSettings;
  /** Frames in the video (1 for a photo). */
  readonly totalFrames: number;
  /** Sampled frames with their faces. */
  readonly frames: { readonly index: number; readonly faces: PreparedFace[] }[];
  /** Sampled frame indices where no face was found. */
  readonly faceless: number[];
}

/** The settings that decide a source's crops. */
export interface PrepareSettings {
  /** Crop side. */
  readonly size: number;
  /** Margin. */
  readonly margin: number;
  /** Frames per video. */
  readonly frames: number;
  /** Face selection. */
  readonly faces: FaceSelection;
  /** Detector network and input size. */
  readonly detector: string;
}

/** What {@link prepareFaces} did (also written to `OUT/prepare.json`). */
export interface PrepareReport {
  /** Sources processed in this run. */
  readonly prepared: string[];
  /** Sources already done with the same content and settings, reused. */
  readonly reused: string[];
  /** Unreadable sources, named with the reason, skipped. */
  readonly skipped: { readonly source: string; readonly reason: string; readonly code: string }[];
  /** Frames decoded in this run. */
  readonly frames: number;
  /** Face crops written in this run. */
  readonly crops: number;
  /** Frames without a face (this run's and reused sources'), per source folder. */
  readonly faceless: Record<string, number[]>;
  /** Total faceless frames. */
  readonly facelessFrames: number;
  /** Manifest rows (every source folder in OUT). */
  readonly manifestRows: number;
  /** Path of the manifest. */
  readonly manifest: string;
  /** Frames per second of this run (decode + detect + landmarks + align + write). */
  readonly framesPerSecond: number;
  /** Wall time, ms. */
  readonly ms: number;
}

/** Name of the manifest `prepare` writes in its output folder. */
export const PREPARE_MANIFEST = 'manifest.csv';
/** Name of each source folder's record. */
export const LANDMARKS_FILE = 'landmarks.json';

/**
 * Detects, aligns and writes the faces of photos and videos. Each source becomes
 * `OUT/<name>-<hash8>/` with one PNG per face (`<frame>.png`, `<frame>-<k>.png` for further faces)
 * and `landmarks.json`; `OUT/manifest.csv` lists every crop with `path,label,technique,group`
 * (group = the source), so that splits keep all frames of a video on one side.
 *
 * Resumable: a source whose folder holds a record with the same content hash and settings is
 * reused. Each source folder is written under a temporary name and renamed when complete, and the
 * manifest and `prepare.json` are replaced atomically, so an interruption loses nothing already
 * written; the half-written folder of a killed run is removed by the next run. Unreadable files
 * (and videos when there is no ffmpeg) are named and skipped.
 *
 * @param detector - a loaded {@link FaceDetector}
 * @param options - inputs, output, frames, size, margin, label
 * @throws `InvalidOptionError` for bad options or a missing input; a source without a label
 */
export async function prepareFaces(detector: FaceDetector, options: PrepareOptions): Promise<PrepareReport> {
  const align = resolveAlignOptions(options);
  const framesPerVideo = options.frames ?? 32;
  requireOption(Number.isInteger(framesPerVideo) && framesPerVideo >= 1, 'frames', framesPerVideo, 'an integer >= 1');
  const selection = options.faces ?? 'largest';
  requireOption(selection === 'largest' || selection === 'all', 'faces', selection, "'largest' or 'all'");
  const out = resolve(options.out);
  const sources = listMediaSources(options.inputs);
  const settings: PrepareSettings = {
    size: align.size,
    margin: align.margin,
    frames: framesPerVideo,
    faces: selection,
    detector: `${detector.options.detector}${detector.options.detector === 'tiny' ? `@${detector.options.inputSize}` : ''}`,
  };
  const labels = sources.map((s) => labelOf(s, options));
  mkdirSync(out, { recursive: true });
  removeAbandonedTemporaries(out);
  const ffmpeg = 'ffmpeg' in options ? options.ffmpeg : sources.some((s) => s.kind === 'video') ? findFfmpeg() : undefined;

  const started = performance.now();
  const report = { prepared: [] as string[], reused: [] as string[], skipped: [] as PrepareReport['skipped'][number][], frames: 0, crops: 0 };
  const progress = (done: number, current: string): void =>
    options.onProgress?.({ sourcesDone: done, sourcesTotal: sources.length, frames: report.frames, elapsedMs: performance.now() - started, current });

  for (let s = 0; s < sources.length; s++) {
    const source = sources[s]!;
    progress(s, source.path);
    let sha: string;
    try {
      sha = await fileSha256(source.path);
    } catch (e) {
      report.skipped.push({ source: source.path, reason: errorMessage(e), code: 'RFM_BAD_IMAGE' });
      continue;
    }
    const name = sourceFolderName(source.path, sha);
    const dir = join(out, name);
    const { label, technique } = labels[s]!;
    const previous = readRecord(dir);
    if (previous && previous.sha256 === sha && previous.label === label && previous.technique === technique && sameSettings(previous.settings, settings)) {
      report.reused.push(source.path);
      continue;
    }
    try {
      if (source.kind === 'video' && !ffmpeg) throw new FfmpegUnavailableError(source.path);
      const { total, frames } = await readSourceFrames(source, framesPerVideo, ffmpeg);
      const tmp = join(out, `.tmp-${name}-${process.pid}`);
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      const record: SourceRecord = { version: 1, source: source.path, sha256: sha, kind: source.kind, label, technique, settings, totalFrames: total, frames: [], faceless: [] };
      for (const frame of frames) {
        const faces = selectFaces(await detector.detect(frame.image), selection);
        report.frames++;
        if (faces.length === 0) {
          record.faceless.push(frame.index);
        } else {
          const prepared: PreparedFace[] = [];
          for (let k = 0; k < faces.length; k++) {
            const aligned = alignFace(frame.image, faces[k]!, align);
            const file = `${String(frame.index).padStart(5, '0')}${k === 0 ? '' : `-${k}`}.png`;
            await sharp(aligned.crop.data, { raw: { width: align.size, height: align.size, channels: 3 } }).png().toFile(join(tmp, file));
            prepared.push({ file, box: faces[k]!.box, score: faces[k]!.score, landmarks: aligned.cropLandmarks, sourceLandmarks: aligned.sourceLandmarks });
            report.crops++;
          }
          record.frames.push({ index: frame.index, faces: prepared });
        }
        progress(s, source.path);
      }
      writeFileSync(join(tmp, LANDMARKS_FILE), `${JSON.stringify(record)}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      report.prepared.push(source.path);
    } catch (e) {
      rmSync(join(out, `.tmp-${name}-${process.pid}`), { recursive: true, force: true });
      const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'RFM_ERROR';
      if (!code.startsWith('RFM_')) throw e;
      report.skipped.push({ source: source.path, reason: errorMessage(e), code });
    }
    writeOutputs(out, report, started);
  }
  progress(sources.length, '');
  return writeOutputs(out, report, started);
}

/** Removes `.tmp-<name>-<pid>` folders left by runs that were killed (their process is gone). */
function removeAbandonedTemporaries(out: string): void {
  for (const e of readdirSync(out, { withFileTypes: true })) {
    const m = /^\.tmp-.*-(\d+)$/.exec(e.name);
    if (!e.isDirectory() || !m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as { code?: string }).code === 'EPERM';
      }
    }
    if (!alive) rmSync(join(out, e.name), { recursive: true, force: true });
  }
}

function labelOf(source: MediaSource, options: PrepareOptions): { label: 'real' | 'fake'; technique: string } {
  if (options.label) {
    if (options.label === 'real') return { label: 'real', technique: 'real' };
    return { label: 'fake', technique: options.technique ?? labelFromPath(source.path)?.technique ?? 'fake' };
  }
  const fromPath = labelFromPath(source.path);
  if (!fromPath) throw new InvalidOptionError('label', undefined, `real or fake for ${source.path} (no real/ or fake/ folder on its path says which)`);
  return fromPath.label === 'fake' && options.technique ? { label: 'fake', technique: options.technique } : fromPath;
}

function sameSettings(a: PrepareSettings, b: PrepareSettings): boolean {
  return a.size === b.size && a.margin === b.margin && a.frames === b.frames && a.faces === b.faces && a.detector === b.detector;
}

/**
 * Reads a source folder's `landmarks.json`, or `undefined` when it is missing or unreadable.
 *
 * @param dir - a source folder written by {@link prepareFaces}
 */
export function readRecord(dir: string): SourceRecord | undefined {
  const file = join(dir, LANDMARKS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as SourceRecord;
    return r.version === 1 && typeof r.sha256 === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function writeOutputs(out: string, run: { prepared: string[]; reused: string[]; skipped: PrepareReport['skipped'][number][]; frames: number; crops: number }, started: number): PrepareReport {
  const rows: string[] = [];
  const faceless: Record<string, number[]> = {};
  let facelessFrames = 0;
  const dirs = readdirSync(out, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  for (const name of dirs) {
    const record = readRecord(join(out, name));
    if (!record) continue;
    if (record.faceless.length > 0) {
      faceless[name] = record.faceless;
      facelessFrames += record.faceless.length;
    }
    for (const f of record.frames) {
      for (const face of f.faces) rows.push([`${name}/${face.file}`, record.label, record.technique, name].map(csvField).join(','));
    }
  }
  const manifest = join(out, PREPARE_MANIFEST);
  writeFileAtomic(manifest, `path,label,technique,group\n${rows.map((r) => `${r}\n`).join('')}`);
  const ms = performance.now() - started;
  const report: PrepareReport = {
    ...run,
    faceless,
    facelessFrames,
    manifestRows: rows.length,
    manifest,
    framesPerSecond: ms > 0 ? (run.frames * 1000) / ms : 0,
    ms,
  };
  writeFileAtomic(join(out, 'prepare.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
