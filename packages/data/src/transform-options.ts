/**
 * Options of the image transforms (resize, crop, flip, normalise), in user and resolved form.
 *
 * @packageDocumentation
 */
import { RFM_NORMALIZATION, requireOption, type Normalization } from '@rfm/core';

/** A side length (square) or `[height, width]`. */
export type Size = number | readonly [number, number];

/** User-facing transform options; defaults follow the official RFM pipeline (spec §2.2). */
export interface TransformOptions {
  /**
   * Size every decoded image is resized to (bilinear, see {@link resizeImage}) and cached at.
   * @default 256
   */
  readonly resize?: Size;
  /**
   * Crop fed to the network: random offsets at training (each uniform in 0..resize−crop
   * inclusive), centred at evaluation.
   * @default 224
   */
  readonly crop?: Size;
  /**
   * Probability of a horizontal flip at training (never at evaluation); 0 disables it.
   * @default 0.5
   */
  readonly flip?: number;
  /**
   * Pixel normalisation `(v/255 − mean)/std`.
   * @default RFM_NORMALIZATION (mean 0.5, std 0.25)
   */
  readonly normalization?: Normalization;
}

/** Transform options with defaults filled in and sizes as `[height, width]`. */
export interface ResolvedTransformOptions {
  /** Resize target `[height, width]`. */
  readonly resize: readonly [number, number];
  /** Crop `[height, width]`. */
  readonly crop: readonly [number, number];
  /** Flip probability at training. */
  readonly flip: number;
  /** Normalisation. */
  readonly normalization: Normalization;
}

/** Defaults of {@link TransformOptions}. */
export const TRANSFORM_DEFAULTS: ResolvedTransformOptions = {
  resize: [256, 256],
  crop: [224, 224],
  flip: 0.5,
  normalization: RFM_NORMALIZATION,
};

/**
 * Fills in defaults and validates: positive integer sizes, crop no larger than the resize,
 * flip in [0, 1], positive finite std.
 *
 * @param options - user options
 * @throws `InvalidOptionError` naming the bad option
 */
export function resolveTransformOptions(options: TransformOptions = {}): ResolvedTransformOptions {
  const resize = toSize('resize', options.resize ?? TRANSFORM_DEFAULTS.resize);
  const crop = toSize('crop', options.crop ?? TRANSFORM_DEFAULTS.crop);
  requireOption(crop[0] <= resize[0] && crop[1] <= resize[1], 'crop', options.crop, `a size no larger than resize ${resize.join('x')}`);
  const flip = options.flip ?? TRANSFORM_DEFAULTS.flip;
  requireOption(typeof flip === 'number' && flip >= 0 && flip <= 1, 'flip', flip, 'a probability in [0, 1]');
  const normalization = options.normalization ?? TRANSFORM_DEFAULTS.normalization;
  for (let c = 0; c < 3; c++) {
    const m = normalization.mean[c];
    const s = normalization.std[c];
    requireOption(typeof m === 'number' && Number.isFinite(m), `normalization.mean[${c}]`, m, 'a finite number');
    requireOption(typeof s === 'number' && Number.isFinite(s) && s > 0, `normalization.std[${c}]`, s, 'a positive number');
  }
  return { resize, crop, flip, normalization };
}

function toSize(name: string, v: Size): readonly [number, number] {
  const hw: readonly [number, number] = typeof v === 'number' ? [v, v] : v;
  requireOption(
    Array.isArray(hw) && hw.length === 2 && hw.every((x) => Number.isInteger(x) && x >= 1),
    name,
    v,
    'a positive integer or [height, width] of positive integers',
  );
  return [hw[0], hw[1]];
}
