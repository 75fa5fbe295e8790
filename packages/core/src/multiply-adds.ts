/**
 * Multiply-adds of one image's forward pass: the measure of a model's work that, for example,
 * decides how many threads TensorFlow gives a training step (`@rfm/backend`'s
 * `suggestedTensorflowThreads`). Backbone factories register an estimate computed from their
 * options ({@link BackboneRegistry.register}), so a run knows it before any backend loads;
 * {@link countForwardMultiplyAdds} counts the same from a built model's layers, which tests compare
 * the estimates with.
 *
 * @packageDocumentation
 */
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Multiply-adds of a dense `k x k` convolution of `inChannels` channels into a `side x side x
 * outChannels` map.
 *
 * @param side - output side in pixels
 * @param kernel - filter side
 * @param inChannels - input channels
 * @param outChannels - output channels
 * @example
 * ```ts
 * convMultiplyAdds(111, 3, 3, 32); // Xception's first convolution at 224 px: 10,645,344
 * ```
 */
export function convMultiplyAdds(side: number, kernel: number, inChannels: number, outChannels: number): number {
  return side * side * kernel * kernel * inChannels * outChannels;
}

/**
 * Multiply-adds of a separable convolution (a `k x k` depthwise convolution, depth multiplier 1,
 * then a pointwise one) of `inChannels` into `outChannels` channels at `side x side` (stride 1).
 *
 * @param side - map side in pixels
 * @param kernel - depthwise filter side
 * @param inChannels - input channels
 * @param outChannels - output channels
 */
export function separableConvMultiplyAdds(side: number, kernel: number, inChannels: number, outChannels: number): number {
  return side * side * inChannels * (kernel * kernel + outChannels);
}

type LayerShape = readonly (number | null)[];

function perImage(shape: LayerShape): number {
  return shape.slice(1, -1).reduce<number>((p, d) => p * (d ?? 1), 1);
}

function lastDim(shape: LayerShape): number {
  return shape[shape.length - 1] ?? 0;
}

function kernelArea(size: unknown): number {
  return Array.isArray(size) ? (size as number[]).reduce((p, d) => p * d, 1) : (size as number) * (size as number);
}

/** The layers {@link countForwardMultiplyAdds} counts (`Dense` is the last). */
const COUNTED_LAYERS: ReadonlySet<string> = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

/**
 * Multiply-adds of one image's forward pass, counted from a layers model's convolution
 * (`Conv2D`, `DepthwiseConv2D`, `SeparableConv2D`) and `Dense` layers, each counted once (the
 * backbones of rfm.js apply every layer once). Batch norms, activations, pooling and additions
 * are left out: they are a few operations per value, not per weight.
 *
 * @param model - a built model with a fixed input size
 * @example
 * ```ts
 * countForwardMultiplyAdds(createBackbone('xception', {}, createRng(1)).model); // 4.55e9 at 224 px
 * ```
 */
export function countForwardMultiplyAdds(model: tfl.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (!COUNTED_LAYERS.has(kind)) continue;
    const config = layer.getConfig() as { kernelSize?: unknown };
    // tfjs-layers 4.22.0's SeparableConv2D leaves `depthMultiplier` out of its config; the layer holds it.
    const depthMultiplier = (layer as unknown as { depthMultiplier?: number }).depthMultiplier ?? 1;
    const inChannels = lastDim((layer.input as tfl.SymbolicTensor).shape);
    const output = layer.outputShape as LayerShape;
    const pixels = perImage(output);
    if (kind === 'Conv2D') total += pixels * kernelArea(config.kernelSize) * inChannels * lastDim(output);
    else if (kind === 'DepthwiseConv2D') total += pixels * kernelArea(config.kernelSize) * lastDim(output);
    else if (kind === 'SeparableConv2D') total += pixels * inChannels * depthMultiplier * (kernelArea(config.kernelSize) + lastDim(output));
    else total += pixels * inChannels * lastDim(output);
  }
  return total;
}
