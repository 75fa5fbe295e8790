/**
 * tfjs-layers' `Conv2D` runs `tf.fused.conv2d`, whose gradient is a `customGrad` that computes the
 * input gradient and the filter gradient together, even when only one is needed. For a network's
 * first convolution the input gradient of a training step is never used (the images are not
 * weights), yet it is the largest gradient of the step: the quick preset's `[16, 112, 112, 3]`
 * image gradient cost about 35 ms of a 350 ms wasm step. `tf.conv2d`'s registered gradient
 * computes each input's gradient only when the tape asks for it, with the same arithmetic.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ConvLayerFields } from './conv-layer-fields.js';

/** Marks layers already switched, so that wrapping a model twice changes nothing. */
const SWITCHED = Symbol('rfm.lazyConvGradients');

/**
 * Whether `layer` is a bias-free, linear, channels-last `Conv2D` (the first convolution of every
 * built-in backbone), the case {@link useLazyConvGradients} switches.
 *
 * @param layer - any tfjs-layers layer
 */
export function isPlainConv2D(layer: unknown): boolean {
  const l = layer as ConvLayerFields;
  return (
    l.getClassName() === 'Conv2D' &&
    !l.useBias &&
    (l.activation === null || l.activation.getClassName() === 'linear') &&
    l.dataFormat === 'channelsLast' &&
    (l.padding === 'same' || l.padding === 'valid')
  );
}

/**
 * Makes every bias-free, linear `Conv2D` layer of `model` compute `tf.conv2d` (same forward values)
 * so that backpropagation computes its input gradient only where something needs it. Saved models
 * are unaffected: only the layer instances' `call` changes.
 *
 * @param model - a built model (its layers are switched in place)
 * @returns the number of layers switched
 */
export function useLazyConvGradients(model: LayersModel): number {
  let switched = 0;
  for (const layer of model.layers) {
    if (!isPlainConv2D(layer)) continue;
    const l = layer as unknown as ConvLayerFields & { [SWITCHED]?: true };
    if (l[SWITCHED]) continue;
    l.call = (inputs) =>
      tf.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
        const [sh, sw] = l.strides as [number, number];
        const [dh, dw] = l.dilationRate as [number, number];
        return tf.conv2d(x, l.kernel!.read() as tf.Tensor4D, [sh, sw], l.padding as 'same' | 'valid', 'NHWC', [dh, dw]);
      });
    l[SWITCHED] = true;
    switched++;
  }
  return switched;
}
