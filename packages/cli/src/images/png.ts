/**
 * PNG output of attention maps, masks and normalised images, encoded by sharp. Every writer is
 * atomic: it writes a temporary file beside the target and renames it, so a reader never sees half
 * a PNG.
 *
 * @packageDocumentation
 */
import type { AttentionMapData } from '@rfm/attention';
import { denormalizePixel, RFM_NORMALIZATION, ShapeMismatchError, writeFileAtomic, type Normalization } from '@rfm/core';
import sharp from 'sharp';
import { applyJet } from './colormap.js';

/** 8-bit pixels, row-major, interleaved channels. */
export interface PixelImage {
  /** `height · width · channels` bytes. */
  readonly data: Uint8Array;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
  /** 1 = grey, 3 = RGB. */
  readonly channels: 1 | 3;
}

/** A normalised float image `[H, W, 3]` (the network's input space), row-major HWC. */
export interface NormalizedImage {
  /** `height · width · 3` normalised values. */
  readonly data: Float32Array;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/** Options of {@link attentionToRgb} and {@link writeAttentionPng}. */
export interface AttentionPngOptions {
  /**
   * An image to blend the jet map over (e.g. the mean face), de-normalised with `normalization`.
   * As in `AvgFAM.py`: `jet/255 + image/255`, then min-max normalised to 0..255. Default: the plain jet map.
   */
  readonly background?: NormalizedImage;
  /** Normalisation of `background`. @default RFM_NORMALIZATION */
  readonly normalization?: Normalization;
}

/**
 * Writes 8-bit pixels as a PNG, atomically (temporary file + rename). Creates the directory.
 *
 * @param path - target file
 * @param image - grey or RGB pixels
 * @throws {@link ShapeMismatchError} when the data length does not match the size
 */
export async function writePng(path: string, image: PixelImage): Promise<void> {
  writeFileAtomic(path, await encodePng(image));
}

/**
 * Encodes 8-bit pixels as PNG bytes (with sharp), e.g. to embed them in a page.
 *
 * @param image - grey or RGB pixels
 * @throws {@link ShapeMismatchError} when the data length does not match the size
 */
export async function encodePng(image: PixelImage): Promise<Buffer> {
  const { data, height, width, channels } = image;
  if (data.length !== height * width * channels) {
    throw new ShapeMismatchError(`encodePng: ${data.length} bytes do not make a ${height}x${width}x${channels} image.`);
  }
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } })
    .png()
    .toBuffer();
}

/**
 * Colours a map in [0, 1] with jet, optionally blended over a background image.
 *
 * @param map - values in [0, 1]
 * @param options - background and its normalisation
 * @returns RGB pixels of the map's size
 * @throws {@link ShapeMismatchError} when the background has another size
 */
export function attentionToRgb(map: AttentionMapData, options: AttentionPngOptions = {}): PixelImage {
  const heat = applyJet(map.data);
  const bg = options.background;
  if (!bg) return { data: heat, height: map.height, width: map.width, channels: 3 };
  if (bg.height !== map.height || bg.width !== map.width || bg.data.length !== map.height * map.width * 3) {
    throw new ShapeMismatchError(
      `attentionToRgb: background ${bg.height}x${bg.width} does not match the ${map.height}x${map.width} map.`,
    );
  }
  const norm = options.normalization ?? RFM_NORMALIZATION;
  const sum = new Float32Array(heat.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < sum.length; k++) {
    const face = Math.min(255, Math.max(0, denormalizePixel(bg.data[k]!, k % 3, norm)));
    const v = (heat[k]! + face) / 255;
    sum[k] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  const data = new Uint8Array(sum.length);
  for (let k = 0; k < sum.length; k++) data[k] = range > 0 ? Math.round((255 * (sum[k]! - lo)) / range) : 0;
  return { data, height: map.height, width: map.width, channels: 3 };
}

/**
 * Writes a map in [0, 1] as a jet PNG, optionally blended over a background (see {@link attentionToRgb}).
 *
 * @param path - target file
 * @param map - values in [0, 1] (e.g. from {@link averageAttentionMap})
 * @param options - background
 */
export async function writeAttentionPng(path: string, map: AttentionMapData, options: AttentionPngOptions = {}): Promise<void> {
  await writePng(path, attentionToRgb(map, options));
}

/**
 * A keep-mask as grey pixels: white (255) = kept, black (0) = erased.
 *
 * @param keep - `height · width` values, 1 = kept, 0 = erased (fractions are scaled)
 * @param height - rows
 * @param width - columns
 */
export function maskToGrey(keep: ArrayLike<number>, height: number, width: number): PixelImage {
  if (keep.length !== height * width) throw new ShapeMismatchError(`maskToGrey: ${keep.length} values do not make a ${height}x${width} mask.`);
  const data = new Uint8Array(keep.length);
  for (let k = 0; k < keep.length; k++) data[k] = Math.round(255 * Math.min(1, Math.max(0, keep[k]!)));
  return { data, height, width, channels: 1 };
}

/**
 * Writes a keep-mask as a grey PNG (white = kept, black = erased).
 *
 * @param path - target file
 * @param keep - `height · width` values, 1 = kept, 0 = erased
 * @param height - rows
 * @param width - columns
 */
export async function writeMaskPng(path: string, keep: ArrayLike<number>, height: number, width: number): Promise<void> {
  await writePng(path, maskToGrey(keep, height, width));
}

/**
 * A normalised image back to 8-bit RGB (de-normalised, rounded, clipped to 0..255).
 *
 * @param image - `[H, W, 3]` normalised values
 * @param normalization - the normalisation used @default RFM_NORMALIZATION
 */
export function normalizedToRgb(image: NormalizedImage, normalization: Normalization = RFM_NORMALIZATION): PixelImage {
  const { data: values, height, width } = image;
  if (values.length !== height * width * 3) throw new ShapeMismatchError(`normalizedToRgb: ${values.length} values do not make a ${height}x${width}x3 image.`);
  const data = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) {
    data[k] = Math.min(255, Math.max(0, Math.round(denormalizePixel(values[k]!, k % 3, normalization))));
  }
  return { data, height, width, channels: 3 };
}

/**
 * Writes a normalised image as an RGB PNG.
 *
 * @param path - target file
 * @param image - `[H, W, 3]` normalised values
 * @param normalization - the normalisation used @default RFM_NORMALIZATION
 */
export async function writeImagePng(path: string, image: NormalizedImage, normalization: Normalization = RFM_NORMALIZATION): Promise<void> {
  await writePng(path, normalizedToRgb(image, normalization));
}

/** A decoded PNG: RGBA bytes, row-major (what {@link readPng} returns). */
export interface DecodedPng {
  /** `height · width · 4` bytes, RGBA (grey images are expanded to RGB). */
  readonly data: Uint8Array;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/**
 * Reads a PNG (or any image sharp decodes) as RGBA pixels.
 *
 * @param path - image file
 */
export async function readPng(path: string): Promise<DecodedPng> {
  const { data, info } = await sharp(path).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), height: info.height, width: info.width };
}
