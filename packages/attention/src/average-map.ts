/**
 * Average attention maps as the official visualisation computes them (`AvgFAM.py` + `cal_normfam`,
 * spec §2.12): blur by bilinear down-to-half and back up, per-image min-max, optional random
 * horizontal flip, mean over images, min-max again.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, type Rng, ShapeMismatchError } from '@rfm/core';

/** A single-channel map on the CPU, row-major `[height, width]`. */
export interface AttentionMapData {
  /** `height · width` values, row-major. */
  readonly data: Float32Array;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/** Options of {@link normalizeAttentionMaps}, {@link AttentionAverager} and {@link averageAttentionMap}. */
export interface AverageAttentionOptions {
  /**
   * Blur each map by resizing it bilinearly to half its size and back (half-pixel centres, like
   * PyTorch `align_corners=False`), as `cal_normfam` does (224 → 112 → 224).
   * @default true
   */
  readonly smooth?: boolean;
  /**
   * Flip each normalised map horizontally with probability 0.5, one draw per image through `rng`,
   * as `AvgFAM.py` does. This symmetrises the average. Off by default so that an average shows the
   * detector's real left/right behaviour and needs no generator; turn it on (with `rng`) to
   * reproduce the official figures.
   * @default false
   */
  readonly flip?: boolean;
  /** Generator of the flips; required when `flip` is true. */
  readonly rng?: Rng;
}

/**
 * Blurs (optionally), min-max normalises to [0, 1] per image and (optionally) flips a batch of maps.
 * A constant map becomes all zeros instead of dividing by zero.
 *
 * @param maps - `[B, H, W]` maps (not disposed)
 * @param options - smoothing and flipping
 * @returns `[B, H, W]` normalised maps, a new tensor owned by the caller
 * @throws `InvalidOptionError` (`@rfm/core`) when `flip` is on without `rng`
 */
export function normalizeAttentionMaps(maps: tf.Tensor3D, options: AverageAttentionOptions = {}): tf.Tensor3D {
  const flips = sampleFlips(maps.shape[0], options);
  return tf.tidy(() => {
    const [b, h, w] = maps.shape;
    let x: tf.Tensor = maps;
    if (options.smooth ?? true) {
      const small = tf.image.resizeBilinear(tf.reshape(maps, [b, h, w, 1]) as tf.Tensor4D, [Math.max(1, Math.floor(h / 2)), Math.max(1, Math.floor(w / 2))], false, true);
      x = tf.reshape(tf.image.resizeBilinear(small, [h, w], false, true), [b, h, w]);
    }
    const lo = tf.min(x, [1, 2], true);
    const range = tf.sub(tf.max(x, [1, 2], true), lo);
    const safe = tf.where(tf.greater(range, 0), range, tf.onesLike(range));
    let out = tf.div(tf.sub(x, lo), safe);
    if (flips) {
      const f = tf.tensor3d(flips, [b, 1, 1]);
      out = tf.add(tf.mul(out, tf.sub(1, f)), tf.mul(tf.reverse(out, 2), f));
    }
    return out as tf.Tensor3D;
  });
}

/**
 * Accumulates normalised maps batch by batch and returns their min-max normalised mean, so a
 * large set of images never has to be held at once.
 *
 * @example
 * ```ts
 * const avg = new AttentionAverager();
 * for (const batch of batches) {
 *   const fam = forgeryAttentionMap(model, batch);
 *   await avg.add(fam);
 *   fam.dispose();
 * }
 * const map = avg.result(); // { data, height, width } in [0, 1]
 * ```
 */
export class AttentionAverager {
  private sum: Float64Array | null = null;
  private height = 0;
  private width = 0;
  private images = 0;

  /** @param options - smoothing and flipping applied to every added map */
  constructor(private readonly options: AverageAttentionOptions = {}) {
    if (options.flip && !options.rng) throw new InvalidOptionError('rng', options.rng, 'an Rng when flip is true');
  }

  /** Number of maps added so far. */
  get count(): number {
    return this.images;
  }

  /**
   * Adds a batch of raw maps.
   *
   * @param maps - `[B, H, W]` (not disposed); every batch must have the same H and W
   * @throws `ShapeMismatchError` (`@rfm/core`) when H or W differ from earlier batches
   */
  async add(maps: tf.Tensor3D): Promise<void> {
    const [b, h, w] = maps.shape;
    if (this.sum === null) {
      this.sum = new Float64Array(h * w);
      this.height = h;
      this.width = w;
    } else if (h !== this.height || w !== this.width) {
      throw new ShapeMismatchError(`AttentionAverager: maps of ${h}x${w} cannot be averaged with earlier maps of ${this.height}x${this.width}.`);
    }
    const normalised = normalizeAttentionMaps(maps, this.options);
    const values = (await normalised.data()) as Float32Array;
    normalised.dispose();
    const sum = this.sum;
    const n = h * w;
    for (let i = 0; i < b; i++) {
      const base = i * n;
      for (let k = 0; k < n; k++) sum[k]! += values[base + k]!;
    }
    this.images += b;
  }

  /**
   * The mean of every added map, min-max normalised to [0, 1] (all zeros if constant).
   *
   * @throws `ShapeMismatchError` (`@rfm/core`) when nothing was added
   */
  result(): AttentionMapData {
    if (this.sum === null || this.images === 0) throw new ShapeMismatchError('AttentionAverager.result: no map was added.');
    const mean = new Float32Array(this.sum.length);
    for (let k = 0; k < mean.length; k++) mean[k] = this.sum[k]! / this.images;
    return { data: minMaxNormalize(mean), height: this.height, width: this.width };
  }
}

/**
 * The official average attention map of one or more batches: each map blurred, min-max normalised
 * and optionally flipped ({@link normalizeAttentionMaps}), then the mean over all images, min-max
 * normalised again. (The official code averages batch means; with equal batches that is the same.)
 *
 * @param maps - `[B, H, W]` maps or a list of batches (not disposed)
 * @param options - smoothing and flipping
 * @returns the average map in [0, 1]
 */
export async function averageAttentionMap(
  maps: tf.Tensor3D | readonly tf.Tensor3D[],
  options: AverageAttentionOptions = {},
): Promise<AttentionMapData> {
  const averager = new AttentionAverager(options);
  for (const batch of Array.isArray(maps) ? maps : [maps as tf.Tensor3D]) await averager.add(batch);
  return averager.result();
}

/**
 * Min-max normalises values to [0, 1] in place; a constant array becomes zeros.
 *
 * @param values - modified and returned
 */
export function minMaxNormalize(values: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  if (!(range > 0)) return values.fill(0);
  for (let k = 0; k < values.length; k++) values[k] = (values[k]! - lo) / range;
  return values;
}

function sampleFlips(count: number, options: AverageAttentionOptions): number[] | null {
  if (!options.flip) return null;
  if (!options.rng) throw new InvalidOptionError('rng', options.rng, 'an Rng when flip is true');
  const rng = options.rng;
  return Array.from({ length: count }, () => (rng.next() < 0.5 ? 1 : 0));
}
