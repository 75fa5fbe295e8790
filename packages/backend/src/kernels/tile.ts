/**
 * `Tile` for wasm when it is a pure broadcast: every repeated axis has size 1 (what the batch-norm
 * gradient asks for, `tile(reshape(rsqrt(var), [1,1,1,C]), [N,H,W,1])`). wasm's own `Tile` is a
 * generic index loop (298 ms of a 768 ms step in the measurements); a broadcast add of zeros is one
 * vectorised pass. Any other tiling goes to the original kernel.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './kernel-helpers.js';

/** True when tiling `shape` by `reps` only repeats axes of size 1. */
export function isBroadcastTile(shape: readonly number[], reps: readonly number[]): boolean {
  return reps.length === shape.length && reps.every((r, i) => r === 1 || shape[i] === 1);
}

/**
 * The `Tile` override for wasm.
 *
 * @param original - wasm's own `Tile` kernel, used for every non-broadcast case
 */
export function createTileConfig(original: tf.KernelConfig): tf.KernelConfig {
  const broadcast = compositeKernel<tf.TileAttrs>((inputs, attrs) => {
    const x = inputs['x']!;
    const outShape = x.shape.map((d, i) => d * attrs.reps[i]!);
    return tf.add(x, tf.zeros(outShape, x.dtype));
  });
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      const { reps } = args.attrs as unknown as tf.TileAttrs;
      if ((x.dtype === 'float32' || x.dtype === 'int32') && isBroadcastTile(x.shape, reps)) return broadcast(args);
      return original.kernelFunc(args);
    },
  };
}
