/**
 * Xception as face forensics uses it (Cadene `pretrainedmodels`, FF++, RFM), built with tfjs-layers.
 *
 * @packageDocumentation
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { type Backbone, LayersBackbone, type Rng } from '@rfm/core';
import {
  batchNorm,
  type BuildContext,
  buildBlock,
  buildStem,
  relu,
  scaleChannels,
  separableConv,
  XCEPTION_CHANNELS,
  xceptionBlockSpecs,
} from './xception-blocks.js';
import { resolveXceptionOptions, type XceptionOptions } from './xception-options.js';
import { createWeightInit } from './weight-init.js';

/** Name of the layer producing the logits in every backbone of this package. */
export const CLASSIFIER_LAYER = 'classifier';

/**
 * Builds Xception: conv1 3x3/2 valid (32) and conv2 3x3 valid (64) with BN and ReLU; block1..3
 * (entry flow; block1 without the leading ReLU); `middleBlocks` blocks of three separable convs;
 * block12 (grow_first = false); separable conv3 (1536) and conv4 (2048) with BN and ReLU; global
 * average pooling; dense `classifier`. Outputs `[featureMap, logits]`, with featureMap =
 * ReLU(bn4(conv4)) (`relu4`, the input of the pooling) and logits `[B, numClasses]`.
 *
 * At the defaults it has 20,811,050 trainable parameters (20,865,578 with the batch-norm moving
 * statistics), exactly the PyTorch model RFM trains. The batch-norm layers are core's
 * `RfmBatchNormalization` (one fused kernel per pass on `tensorflow` and `wasm`) unless
 * `batchNorm: 'layers'`; both have the same weights, names and results within float32 rounding.
 *
 * @param options - see {@link XceptionOptions}
 * @param rng - seeds every initializer (`rng.uint32()` each), so the same seed gives the same weights
 * @returns a backbone that owns its model (call `dispose()`)
 * @throws `InvalidOptionError` for a bad option
 * @example
 * ```ts
 * const backbone = createXception({ inputSize: 128, widthMultiplier: 0.25 }, createRng(5));
 * const { featureMap, logits } = backbone.apply(images, false); // [B,4,4,512], [B,2]
 * ```
 */
export function createXception(options: XceptionOptions, rng: Rng): Backbone {
  const o = resolveXceptionOptions(options);
  const c = (n: number): number => scaleChannels(n, o.widthMultiplier);
  const ctx: BuildContext = { init: createWeightInit(o.init, rng), poolPadding: o.poolPadding, batchNorm: o.batchNorm };
  const input = tfl.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input' });
  let x = buildStem(input, [c(XCEPTION_CHANNELS.stem[0]), c(XCEPTION_CHANNELS.stem[1])], ctx);
  for (const spec of xceptionBlockSpecs(o.middleBlocks, o.widthMultiplier)) x = buildBlock(x, spec, ctx);
  XCEPTION_CHANNELS.tail.forEach((filters, i) => {
    x = separableConv(`conv${i + 3}`, c(filters), ctx).apply(x) as tfl.SymbolicTensor;
    x = batchNorm(`bn${i + 3}`, ctx).apply(x) as tfl.SymbolicTensor;
    x = relu(`relu${i + 3}`).apply(x) as tfl.SymbolicTensor;
  });
  const features = x;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'avgpool' }).apply(features) as tfl.SymbolicTensor;
  const fanIn = c(XCEPTION_CHANNELS.tail[1]);
  const logits = tfl.layers
    .dense({
      units: o.numClasses,
      useBias: true,
      kernelInitializer: ctx.init.kernel(),
      biasInitializer: ctx.init.bias(fanIn),
      name: CLASSIFIER_LAYER,
    })
    .apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [features, logits], name: 'xception' });
  return new LayersBackbone(
    model,
    { name: 'xception', inputSize: o.inputSize, numClasses: o.numClasses, outputKind: 'image', options: { ...o } },
    CLASSIFIER_LAYER,
  );
}
