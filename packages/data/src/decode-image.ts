/**
 * Image decoding with sharp (libvips, libjpeg-turbo). Every image of a run, training and
 * evaluation alike, goes through this one decoder: JPEG decoders disagree by several grey levels
 * (tfjs-engineering §5), which a forgery detector can notice.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { definedOptions, errorMessage, requireOption } from '@rfm/core';
import sharp from 'sharp';
import { ImageDecodeError } from './errors.js';

/** An 8-bit RGB image, rows top to bottom, `data[(y * width + x) * 3 + c]` (HWC). */
export interface DecodedImage {
  /** `height * width * 3` bytes. */
  readonly data: Uint8Array;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** How strict the decoder is about damaged files (sharp's `failOn`). */
export type DecodeStrictness = 'truncated' | 'error' | 'warning';

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Largest accepted `width * height`; larger images are refused before they are decoded.
   * @default 40_000_000
   */
  readonly maxPixels?: number;
  /**
   * Refuse files on libvips warnings (`warning`: also corrupt JPEG data that decodes to garbage),
   * errors only (`error`: closer to PIL, which ignores such warnings), or only truncation.
   * @default 'warning'
   */
  readonly failOn?: DecodeStrictness;
  /** Name of a buffer input in error messages. @default '<buffer>' */
  readonly name?: string;
}

/** Options with every default filled in. */
export type ResolvedDecodeOptions = Required<DecodeOptions>;

/** Defaults of {@link DecodeOptions}. */
export const DECODE_DEFAULTS: ResolvedDecodeOptions = { maxPixels: 40_000_000, failOn: 'warning', name: '<buffer>' };

/** Formats {@link decodeImage} accepts (sharp's metadata names). */
export const SUPPORTED_IMAGE_FORMATS: readonly string[] = ['jpeg', 'png', 'webp'];

/**
 * Validates decode options.
 *
 * @param options - user options
 * @throws `InvalidOptionError` naming the bad option
 */
export function resolveDecodeOptions(options: DecodeOptions = {}): ResolvedDecodeOptions {
  const o = { ...DECODE_DEFAULTS, ...definedOptions(options) };
  requireOption(Number.isInteger(o.maxPixels) && o.maxPixels >= 1, 'maxPixels', o.maxPixels, 'an integer >= 1');
  requireOption(['truncated', 'error', 'warning'].includes(o.failOn), 'failOn', o.failOn, "'truncated', 'error' or 'warning'");
  return o;
}

/**
 * Decodes a JPEG, PNG or WebP file (or buffer) to 8-bit RGB: alpha is dropped (not blended),
 * grey images are expanded to three channels, 16-bit images are reduced to 8 bits, other colour
 * spaces are converted to sRGB. EXIF orientation is ignored, as PIL's `Image.open` does in the
 * reference code.
 *
 * @param source - a file path, or the encoded bytes
 * @param options - pixel limit, strictness, buffer name
 * @returns the pixels, a fresh buffer owned by the caller
 * @throws {@link ImageDecodeError} naming the file and the cause (unreadable, not an image,
 *   unsupported format, too many pixels, corrupt or truncated data)
 * @example
 * ```ts
 * const { data, width, height } = await decodeImage('data/ffhq-stylegan2/real/ffhq_01000.jpg');
 * // width = height = 256, data.length = 256 * 256 * 3
 * ```
 */
export async function decodeImage(source: string | Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const o = resolveDecodeOptions(options);
  const file = typeof source === 'string' ? source : o.name;
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (e) {
      throw new ImageDecodeError(file, `cannot read the file (${errorMessage(e)})`, { cause: e });
    }
  } else {
    bytes = source;
  }
  if (bytes.length === 0) throw new ImageDecodeError(file, 'the file is empty');
  try {
    // Header only, without sharp's pixel limit, so that the size can be reported precisely.
    const meta = await sharp(bytes, { failOn: o.failOn, limitInputPixels: false }).metadata();
    if (!meta.format || !SUPPORTED_IMAGE_FORMATS.includes(meta.format)) {
      throw new ImageDecodeError(file, `unsupported format "${meta.format ?? 'unknown'}"; use JPEG, PNG or WebP`);
    }
    const pixels = (meta.width ?? 0) * (meta.height ?? 0);
    if (pixels > o.maxPixels) {
      throw new ImageDecodeError(
        file,
        `${meta.width}x${meta.height} = ${pixels} pixels exceeds maxPixels = ${o.maxPixels}; resize it or raise maxPixels`,
      );
    }
    const { data, info } = await sharp(bytes, { failOn: o.failOn, limitInputPixels: o.maxPixels })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new ImageDecodeError(file, `decoded to ${info.channels} channels instead of 3`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(file, describeSharpError(errorMessage(e)), { cause: e });
  }
}

function describeSharpError(message: string): string {
  const m = message.trim().replace(/\s+/g, ' ');
  if (/unsupported image format/i.test(m)) return 'not an image (unrecognised content)';
  if (/pixel limit/i.test(m)) return `too many pixels (${m})`;
  if (/premature end|truncated|read error/i.test(m)) return `truncated or damaged data (${m})`;
  return `corrupt image data (${m})`;
}
