/**
 * Typed errors of `@rfm/faces`, subclasses of `@rfm/core`'s {@link RfmError}.
 *
 * @packageDocumentation
 */
import { RfmError } from '@rfm/core';

/** The face detector or landmark model cannot be loaded (missing package files, a second tfjs-core). */
export class FaceModelError extends RfmError {
  /**
   * @param message - what is wrong and how to fix it
   * @param options - the original error as `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('RFM_FACE_MODEL', message, options);
  }
}

/** How to get ffmpeg, in one line (used by {@link FfmpegUnavailableError}). */
export const FFMPEG_HINT =
  'install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or the npm package @ffmpeg-installer/ffmpeg, or set RFM_FFMPEG=/path/to/ffmpeg';

/** A video was given but no ffmpeg binary was found. Images still work without one. */
export class FfmpegUnavailableError extends RfmError {
  /** The video that needed it. */
  readonly file: string;

  /** @param file - the video that could not be decoded */
  constructor(file: string) {
    super('RFM_NO_FFMPEG', `Cannot decode video ${file}: no ffmpeg found; ${FFMPEG_HINT}.`);
    this.file = file;
  }
}

/** ffmpeg could not read a video (not a video, damaged, unsupported codec). */
export class VideoDecodeError extends RfmError {
  /** The video file. */
  readonly file: string;
  /** ffmpeg's last line of complaint, or the cause in a few words. */
  readonly reason: string;

  /**
   * @param file - the video file
   * @param reason - the cause
   * @param options - the original error as `cause`
   */
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('RFM_VIDEO_DECODE', `Cannot decode video ${file}: ${reason}. Replace or remove the file.`, options);
    this.file = file;
    this.reason = reason;
  }
}
