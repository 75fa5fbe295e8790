/**
 * PyTorch-style max pooling with symmetric numeric padding, as a serialisable tfjs-layers layer.
 *
 * tfjs-layers' `maxPooling2d` only offers `'valid'` and `'same'`; for a 3x3 stride-2 pool on an
 * even input, `'same'` pads (0 before, 1 after) while PyTorch's `MaxPool2d(3, 2, padding=1)` pads
 * (1, 1), so the windows differ. This layer calls `tf.maxPool(x, k, s, pad, 'floor')`, whose padded
 * cells never win the max (they act as -infinity, as in PyTorch).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { requireOption } from '@rfm/core';

/** Base arguments of a tfjs-layers layer (name, trainable, dtype...). */
type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Arguments of {@link SymmetricMaxPooling2D}. */
export interface SymmetricMaxPooling2DArgs extends BaseLayerArgs {
  /** Square window side. @default 3 */
  readonly poolSize?: number;
  /** Stride in both directions. @default 2 */
  readonly strides?: number;
  /** Padding added on every side; padded cells act as -infinity. @default 1 */
  readonly padding?: number;
}

/**
 * `MaxPool2d(poolSize, strides, padding)` of PyTorch (floor rounding) over NHWC inputs. Output side:
 * `floor((H + 2 * padding - poolSize) / strides) + 1`.
 *
 * Register it with {@link registerModelLayers} before loading a saved model that contains it.
 *
 * @example
 * ```ts
 * const pool = new SymmetricMaxPooling2D({ poolSize: 3, strides: 2, padding: 1, name: 'block1_pool' });
 * const y = pool.apply(x) as tf.Tensor4D; // 28x28 -> 14x14, windows centred like PyTorch's
 * ```
 */
export class SymmetricMaxPooling2D extends tfl.layers.Layer {
  /** Name under which the class is serialised. */
  static className = 'RfmSymmetricMaxPooling2D';
  /** Square window side. */
  readonly poolSize: number;
  /** Stride in both directions. */
  readonly strides: number;
  /** Padding on every side. */
  readonly padding: number;

  /** @param args - window, stride, padding and the usual layer arguments */
  constructor(args: SymmetricMaxPooling2DArgs = {}) {
    const { poolSize = 3, strides = 2, padding = 1, ...base } = args;
    super(base);
    requireOption(Number.isInteger(poolSize) && poolSize >= 1, 'poolSize', poolSize, 'an integer >= 1');
    requireOption(Number.isInteger(strides) && strides >= 1, 'strides', strides, 'an integer >= 1');
    requireOption(
      Number.isInteger(padding) && padding >= 0 && 2 * padding <= poolSize,
      'padding',
      padding,
      `an integer in [0, ${Math.floor(poolSize / 2)}] (at most half the window, as PyTorch requires)`,
    );
    this.poolSize = poolSize;
    this.strides = strides;
    this.padding = padding;
  }

  /** Output side for an input side (null stays null). */
  private outSide(side: number | null): number | null {
    return side === null ? null : Math.floor((side + 2 * this.padding - this.poolSize) / this.strides) + 1;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    return [shape[0] ?? null, this.outSide(shape[1] ?? null), this.outSide(shape[2] ?? null), shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf.maxPool(x, this.poolSize, this.strides, this.padding, 'floor');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}
