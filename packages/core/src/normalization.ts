/**
 * Pixel normalisation shared by data transforms, erasing fills and visualisations.
 *
 * @packageDocumentation
 */

/** Per-channel normalisation `x = (v/255 - mean) / std`. */
export interface Normalization {
  /** Per-channel mean in [0, 1] units. */
  readonly mean: readonly [number, number, number];
  /** Per-channel standard deviation in [0, 1] units. */
  readonly std: readonly [number, number, number];
}

/** RFM's normalisation: mean 0.5, std 0.25, so inputs lie in [-2, 2] (spec §2.2). */
export const RFM_NORMALIZATION: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };

/**
 * Normalises a pixel value of channel `c`.
 *
 * @param value - 0..255
 * @param c - channel index
 * @param norm - the normalisation
 */
export function normalizePixel(value: number, c: number, norm: Normalization): number {
  return (value / 255 - norm.mean[c]!) / norm.std[c]!;
}

/**
 * Inverse of {@link normalizePixel}: a normalised value back to 0..255 (not clipped).
 *
 * @param x - normalised value
 * @param c - channel index
 * @param norm - the normalisation
 */
export function denormalizePixel(x: number, c: number, norm: Normalization): number {
  return (x * norm.std[c]! + norm.mean[c]!) * 255;
}
