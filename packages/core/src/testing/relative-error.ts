/**
 * How far two arrays of numbers are apart, relative to the reference's scale: the measure that
 * rfm.js' tests compare backends, kernels and oracles with.
 *
 * @packageDocumentation
 */

/**
 * `max |got - want| / max |want|` over all entries (0 when both are all zeros).
 *
 * @param got - the values under test
 * @param want - the reference values, of the same length
 */
export function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new RangeError(`maxRelativeError: ${got.length} values against ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < want.length; k++) {
    diff = Math.max(diff, Math.abs(got[k]! - want[k]!));
    scale = Math.max(scale, Math.abs(want[k]!));
  }
  return diff === 0 ? 0 : diff / scale;
}
