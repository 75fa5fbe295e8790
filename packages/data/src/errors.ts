/**
 * Typed errors of `@rfm/data`, both subclasses of `@rfm/core`'s {@link RfmError}.
 *
 * @packageDocumentation
 */
import { RfmError } from '@rfm/core';

/** An image file cannot be decoded (corrupt, truncated, not an image, unsupported format, too many pixels). */
export class ImageDecodeError extends RfmError {
  /** The file path, or the name given for a buffer. */
  readonly file: string;
  /** Why it failed, in a few words. */
  readonly reason: string;

  /**
   * @param file - the path or buffer name
   * @param reason - the cause, e.g. `premature end of JPEG image`
   * @param options - the original error as `cause`
   */
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(
      'RFM_BAD_IMAGE',
      `Cannot decode image ${file}: ${reason}. Replace or remove the file, or pass onBadImage: 'skip' to skip bad files.`,
      options,
    );
    this.file = file;
    this.reason = reason;
  }
}

/** A dataset folder or manifest is unusable (missing folders, bad rows, paths leaving the manifest folder...). */
export class DatasetError extends RfmError {
  /** The folder or manifest at fault. */
  readonly source: string;
  /** 1-based manifest line, when one row is at fault. */
  readonly line: number | undefined;

  /**
   * @param source - folder or manifest path
   * @param message - what is wrong and how to fix it
   * @param line - manifest line, if any
   */
  constructor(source: string, message: string, line?: number, options?: { cause?: unknown }) {
    super('RFM_BAD_DATASET', `${source}${line === undefined ? '' : ` line ${line}`}: ${message}`, options);
    this.source = source;
    this.line = line;
  }
}
