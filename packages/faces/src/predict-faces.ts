/**
 * Scoring the faces of one photo or one video with any detector of fakes.
 *
 * @packageDocumentation
 */
import { alignFace, resolveAlignOptions, type AlignedFace, type AlignOptions } from './alignment.js';
import type { FaceBox, FaceDetector } from './face-detector.js';
import { selectFaces, type FaceSelection } from './face-selection.js';
import type { FfmpegBinary } from './ffmpeg.js';
import { readSourceFrames, type MediaSource } from './media-sources.js';
import { isVideoFile } from './video-frames.js';

/** The score of one face crop. */
export interface FaceScore {
  /** P(fake) in [0, 1]. */
  readonly score: number;
  /** `O_fake - O_real`: monotone in P(fake), never saturates. */
  readonly logitGap: number;
}

/** Scores aligned crops, e.g. a trained rfm.js model (`createRunScorer` in `@rfm/cli`). */
export type CropScorer = (crops: readonly AlignedFace[]) => Promise<FaceScore[]>;

/** One scored face. */
export interface FacePrediction extends FaceScore {
  /** Detector box in the frame. */
  readonly box: FaceBox;
  /** Detector confidence. */
  readonly detectorScore: number;
  /** The aligned face (kept only with `keepCrops`). */
  readonly aligned?: AlignedFace;
}

/** One frame: its faces, and the maximum over them (`null` without a face). */
export interface FramePrediction {
  /** Frame index in the video (0 for a photo). */
  readonly index: number;
  /** Its faces, largest first. */
  readonly faces: FacePrediction[];
  /** Maximum P(fake) over the faces, `null` when there is none. */
  readonly score: number | null;
  /** Logit gap of that face, `null` when there is none. */
  readonly logitGap: number | null;
}

/** The verdict on one photo or video. */
export interface SourcePrediction {
  /** The file. */
  readonly source: string;
  /** Photo or video. */
  readonly kind: 'image' | 'video';
  /** Sampled frames (one for a photo). */
  readonly frames: FramePrediction[];
  /** Mean over frames with a face of their score; `null` when no frame has a face (never guessed). */
  readonly score: number | null;
  /** Mean over frames with a face of their logit gap; `null` without a face. */
  readonly logitGap: number | null;
  /** `scored`, or `no-face` when no sampled frame has a face. */
  readonly status: 'scored' | 'no-face';
  /** Sampled frames without a face. */
  readonly facelessFrames: number;
}

/** Options of {@link predictFaces}. */
export interface PredictFacesOptions extends AlignOptions {
  /** Scores aligned crops. */
  readonly scorer: CropScorer;
  /** Frames sampled evenly per video. @default 32 */
  readonly frames?: number;
  /** `largest` face per frame, or `all` faces at least half its size. @default 'all' */
  readonly faces?: FaceSelection;
  /** Keep each face's aligned crop in the result (for attention maps). @default false */
  readonly keepCrops?: boolean;
  /** ffmpeg for videos. @default findFfmpeg() */
  readonly ffmpeg?: FfmpegBinary | undefined;
}

/**
 * Detects, aligns (as `prepare` does) and scores every face of a photo or video: per face P(fake)
 * and logit gap, per frame the maximum over its faces, per video the mean over its frames with a
 * face. A source without any face gets `status: 'no-face'` and no score.
 *
 * @param detector - a loaded {@link FaceDetector}
 * @param path - a photo or a video
 * @param options - the scorer, frames, size, margin, face selection
 * @throws `ImageDecodeError`, `VideoDecodeError` or `FfmpegUnavailableError` for an unreadable source
 * @example
 * ```ts
 * const detector = await FaceDetector.create();
 * const verdict = await predictFaces(detector, 'clip.mp4', { scorer: createRunScorer(run) });
 * console.log(verdict.status === 'scored' ? verdict.score : 'no face');
 * ```
 */
export async function predictFaces(detector: FaceDetector, path: string, options: PredictFacesOptions): Promise<SourcePrediction> {
  const align = resolveAlignOptions(options);
  const source: MediaSource = { path, kind: isVideoFile(path) ? 'video' : 'image' };
  const { frames } = await readSourceFrames(source, options.frames ?? 32, 'ffmpeg' in options ? options.ffmpeg : undefined);
  const out: FramePrediction[] = [];
  for (const frame of frames) {
    const faces = selectFaces(await detector.detect(frame.image), options.faces ?? 'all');
    const aligned = faces.map((f) => alignFace(frame.image, f, align));
    const scores = aligned.length > 0 ? await options.scorer(aligned) : [];
    const predictions: FacePrediction[] = faces.map((f, i) => ({
      box: f.box,
      detectorScore: f.score,
      score: scores[i]!.score,
      logitGap: scores[i]!.logitGap,
      ...(options.keepCrops ? { aligned: aligned[i]! } : {}),
    }));
    let best: FacePrediction | undefined;
    for (const p of predictions) if (!best || p.score > best.score) best = p;
    out.push({ index: frame.index, faces: predictions, score: best?.score ?? null, logitGap: best?.logitGap ?? null });
  }
  const withFace = out.filter((f) => f.score !== null);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    source: path,
    kind: source.kind,
    frames: out,
    score: withFace.length > 0 ? mean(withFace.map((f) => f.score!)) : null,
    logitGap: withFace.length > 0 ? mean(withFace.map((f) => f.logitGap!)) : null,
    status: withFace.length > 0 ? 'scored' : 'no-face',
    facelessFrames: out.length - withFace.length,
  };
}
