/**
 * Materialised broadcasts without wasm's slow paths: `Fill` writes through a `Float32Array` view of
 * the wasm heap that V8 does not fill quickly (7.4 ms for 1.9M floats), and `Tile` is a generic index
 * loop (4.0 ms for the same output). Repeating a block by doubling concatenations along the leading
 * axis is a handful of `memcpy`s (0.9 ms).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `R` copies of `x` stacked along a new leading axis, flattened: `[R, x.size]`. Built from
 * `x, x x, x x x x, ...` and one final concatenation of the powers of two that sum to `R`.
 *
 * @param x - block to repeat
 * @param r - number of copies (>= 1)
 */
export function repeatRows(x: tf.Tensor, r: number): tf.Tensor2D {
  return tf.tidy(() => {
    let power = tf.reshape(x, [1, x.size]) as tf.Tensor2D;
    const parts: tf.Tensor2D[] = [];
    for (let bit = 1; bit <= r; bit *= 2) {
      if ((r & bit) !== 0) parts.push(power);
      if (bit * 2 <= r) power = tf.concat([power, power], 0);
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  });
}

/** Below this many elements wasm's own `Fill` and `Tile` are as fast. */
export const REPEAT_MIN_SIZE = 16384;

/**
 * The `Fill` override for wasm (numeric dtypes, large outputs).
 *
 * @param original - wasm's own `Fill`, used for small and string outputs
 */
export function createFillConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Fill,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { shape, value, dtype } = args.attrs as unknown as tf.FillAttrs;
      const size = tf.util.sizeFromShape(shape);
      if (dtype === 'string' || typeof value !== 'number' || size < REPEAT_MIN_SIZE) return original.kernelFunc(args);
      return tf.tidy(() => tf.reshape(repeatRows(tf.scalar(value, dtype), size), shape));
    },
  };
}

/**
 * The number of leading copies when tiling `shape` by `reps` only repeats a block along leading
 * axes of size 1 (e.g. `[1, 1, 1, C]` by `[N, H, W, 1]`), else 0.
 *
 * @param shape - input shape
 * @param reps - repetitions per axis
 */
export function leadingRepeats(shape: readonly number[], reps: readonly number[]): number {
  if (reps.length !== shape.length) return 0;
  let last = -1;
  reps.forEach((r, i) => {
    if (r !== 1) last = i;
  });
  if (last < 0) return 0;
  for (let i = 0; i <= last; i++) if (shape[i] !== 1) return 0;
  return reps.slice(0, last + 1).reduce((p, r) => p * r, 1);
}

/**
 * The `Tile` override for wasm: a leading-axis broadcast (what the batch-norm gradient asks for,
 * `tile(reshape(rsqrt(var), [1,1,1,C]), [N,H,W,1])`) becomes {@link repeatRows}; every other tiling
 * goes to the original kernel.
 *
 * @param original - wasm's own `Tile`
 */
export function createTileConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs['x'] as tf.Tensor;
      const { reps } = args.attrs as unknown as tf.TileAttrs;
      const r = x.dtype === 'string' ? 0 : leadingRepeats(x.shape, reps);
      if (r === 0) return original.kernelFunc(args);
      const outShape = x.shape.map((d, i) => d * reps[i]!);
      return tf.tidy(() => tf.reshape(repeatRows(x, r), outShape));
    },
  };
}
