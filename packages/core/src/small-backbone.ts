/**
 * `small`: a four-layer convolutional detector for tests, examples and quick CPU runs. It has the
 * same ingredients as Xception (strided conv, separable convs, batch norm, global pooling, dense
 * head) at a tiny fraction of the cost.
 *
 * @packageDocumentation
 */
import { definedOptions } from './defined-options.js';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Backbone } from './backbone.js';
import { requireOption } from './errors.js';
import { type BatchNormKind, createBatchNormLayer, requireBatchNormKind } from './layers/fused-batch-normalization.js';
import { registerCoreLayers } from './layers/register-core-layers.js';
import { LayersBackbone } from './layers-backbone.js';
import { convMultiplyAdds, separableConvMultiplyAdds } from './multiply-adds.js';
import type { Rng } from './rng.js';

/** Options of {@link createSmallBackbone}. */
export interface SmallBackboneOptions {
  /** Square input side. @default 64 */
  readonly inputSize?: number;
  /** Channels of the first convolution; later layers use 2x and 4x. @default 16 */
  readonly width?: number;
  /**
   * Separable blocks after the first convolution: block k (k = 1..depth) has `2^k * width`
   * channels and, from the second block on, a 2x2 max pooling before it. @default 2
   */
  readonly depth?: number;
  /** Number of classes. @default 2 */
  readonly numClasses?: number;
  /**
   * Batch-norm layers: `fused` = core's `RfmBatchNormalization` (one kernel per pass on
   * `tensorflow` and `wasm`), `layers` = tfjs-layers' `BatchNormalization`. Same weights and results
   * within float32 rounding. @default 'fused'
   */
  readonly batchNorm?: BatchNormKind;
}

/** Defaults of {@link createSmallBackbone}. */
export const SMALL_BACKBONE_DEFAULTS: Required<SmallBackboneOptions> = { inputSize: 64, width: 16, depth: 2, numClasses: 2, batchNorm: 'fused' };

/**
 * {@link SmallBackboneOptions} with defaults filled in and checked.
 *
 * @param options - sizes
 * @throws `InvalidOptionError` naming the first value out of range
 */
export function resolveSmallBackboneOptions(options: SmallBackboneOptions): Required<SmallBackboneOptions> {
  const o: Required<SmallBackboneOptions> = { ...SMALL_BACKBONE_DEFAULTS, ...definedOptions(options) };
  requireOption(Number.isInteger(o.inputSize) && o.inputSize >= 16, 'inputSize', o.inputSize, 'an integer >= 16');
  requireOption(Number.isInteger(o.width) && o.width >= 1, 'width', o.width, 'an integer >= 1');
  requireOption(Number.isInteger(o.depth) && o.depth >= 1 && o.depth <= 6, 'depth', o.depth, 'an integer in [1, 6]');
  requireOption(Number.isInteger(o.numClasses) && o.numClasses >= 2, 'numClasses', o.numClasses, 'an integer >= 2');
  requireBatchNormKind('batchNorm', o.batchNorm);
  return o;
}

/**
 * Multiply-adds of one image's forward pass through the `small` backbone of these options,
 * without building it (the layers of {@link createSmallBackbone}: a 3x3 stride-2 convolution, then
 * per block a 2x2 pooling from the second block on and a separable 3x3 convolution, then the dense
 * head).
 *
 * @param options - sizes
 * @throws `InvalidOptionError` as {@link createSmallBackbone} does
 * @example
 * ```ts
 * smallBackboneMultiplyAdds({ inputSize: 96, depth: 4 }); // the quick preset's model
 * ```
 */
export function smallBackboneMultiplyAdds(options: SmallBackboneOptions): number {
  const o = resolveSmallBackboneOptions(options);
  let side = Math.ceil(o.inputSize / 2);
  let channels = o.width;
  let total = convMultiplyAdds(side, 3, 3, channels);
  for (let k = 1; k <= o.depth; k++) {
    if (k > 1) side = Math.floor(side / 2);
    const next = 2 ** k * o.width;
    total += separableConvMultiplyAdds(side, 3, channels, next);
    channels = next;
  }
  return total + channels * o.numClasses;
}

/**
 * Builds the `small` backbone: conv3x3/2 → BN → ReLU → sep3x3 (2w) → BN → ReLU → maxpool/2 →
 * sep3x3 (4w) → BN → ReLU (feature map) → global average pool → dense. With `depth` > 2 every
 * further block adds maxpool/2 → sep3x3 (doubled channels) → BN → ReLU before the feature map. The batch-norm layers are
 * `RfmBatchNormalization` by default (`batchNorm: 'layers'` for tfjs-layers' own); saved models
 * of it load after `registerCoreLayers()` (which this function and `loadBackbone` call).
 *
 * @param options - sizes
 * @param rng - seeds every weight initialiser
 * @example
 * ```ts
 * const backbone = createSmallBackbone({ inputSize: 64 }, createRng(1));
 * ```
 */
export function createSmallBackbone(options: SmallBackboneOptions, rng: Rng): Backbone {
  const o = resolveSmallBackboneOptions(options);
  registerCoreLayers();
  const init = () => tfl.initializers.heNormal({ seed: rng.uint32() });
  const separable = (filters: number, name: string) => {
    const pointwise = init();
    const layer = tfl.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(), pointwiseInitializer: pointwise, name });
    // tfjs-layers 4.22.0 builds the pointwise initializer from the depthwise one (and its seed);
    // set it before the layer builds its weights.
    (layer as unknown as { pointwiseInitializer: unknown }).pointwiseInitializer = pointwise;
    return layer;
  };
  const bn = (name: string) => createBatchNormLayer(o.batchNorm, { momentum: 0.9, epsilon: 1e-5, name });
  const input = tfl.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input' });
  let x = tfl.layers
    .conv2d({ filters: o.width, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(), name: 'conv1' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'relu1' }).apply(bn('bn1').apply(x)) as tfl.SymbolicTensor;
  for (let k = 1; k <= o.depth; k++) {
    const n = k + 1;
    if (k > 1) x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${n - 1}` }).apply(x) as tfl.SymbolicTensor;
    x = separable(2 ** k * o.width, `sep${n}`).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: k === o.depth ? 'features' : `relu${n}` }).apply(bn(`bn${n}`).apply(x)) as tfl.SymbolicTensor;
  }
  const features = x;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(features) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: o.numClasses, kernelInitializer: tfl.initializers.glorotUniform({ seed: rng.uint32() }), name: 'classifier' })
    .apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [features, logits], name: 'small' });
  return new LayersBackbone(
    model,
    { name: 'small', inputSize: o.inputSize, numClasses: o.numClasses, outputKind: 'image', options: { width: o.width, ...(o.depth === 2 ? {} : { depth: o.depth }), batchNorm: o.batchNorm } },
    'classifier',
  );
}
