/**
 * The "jet" colour map (blue → cyan → yellow → red), implemented from its piecewise-linear
 * definition: each channel is `clamp(1.5 − |4v − k|)` with k = 3 (red), 2 (green), 1 (blue).
 *
 * @packageDocumentation
 */

/**
 * Jet colour of a value.
 *
 * @param value - in [0, 1] (clamped; NaN maps to 0)
 * @returns `[r, g, b]` in 0..255
 * @example
 * ```ts
 * jetColor(0); // [0, 0, 128] dark blue
 * jetColor(1); // [128, 0, 0] dark red
 * ```
 */
export function jetColor(value: number): [number, number, number] {
  const v = Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
  const channel = (k: number): number => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - k))));
  return [channel(3), channel(2), channel(1)];
}

/**
 * Colours a single-channel map with {@link jetColor}.
 *
 * @param values - `n` values in [0, 1]
 * @returns `3n` RGB bytes
 */
export function applyJet(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 3);
  for (let k = 0; k < values.length; k++) {
    const [r, g, b] = jetColor(values[k]!);
    out[3 * k] = r;
    out[3 * k + 1] = g;
    out[3 * k + 2] = b;
  }
  return out;
}
