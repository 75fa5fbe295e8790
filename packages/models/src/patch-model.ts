/**
 * The Patch backbone of Chai et al. (ECCV 2020, `chail/patch-forensics`): Xception cut after block
 * K, followed by a 1x1 convolution to per-patch logits.
 *
 * @packageDocumentation
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { type Backbone, LayersBackbone, requireOption, type Rng } from '@rfm/core';
import { type BuildContext, buildBlock, buildStem, receptiveField, scaleChannels, XCEPTION_CHANNELS, xceptionBlockSpecs } from './xception-blocks.js';
import { PATCH_MAX_CUT, type PatchOptions, resolvePatchOptions } from './patch-options.js';
import { createWeightInit } from './weight-init.js';
import { CLASSIFIER_LAYER } from './xception.js';

/** Middle blocks of the Xception the Patch model is cut from (only the first two can be reached). */
export const PATCH_MIDDLE_BLOCKS = 8;

/**
 * Receptive field in pixels of one patch logit for a cut (19, 43, 91, 187, 283 for K = 1..5).
 *
 * @param cut - block after which the network is cut, 1..5
 */
export function patchReceptiveField(cut: number): number {
  requireOption(Number.isInteger(cut) && cut >= 1 && cut <= PATCH_MAX_CUT, 'cut', cut, `an integer in [1, ${PATCH_MAX_CUT}]`);
  return receptiveField(xceptionBlockSpecs(PATCH_MIDDLE_BLOCKS, 1), cut);
}

/**
 * Builds the Patch backbone: Xception's conv1/conv2 stem and blocks 1..K, then a 1x1 convolution
 * with bias (`classifier`) to `numClasses` channels, with no ReLU in between. Outputs
 * `[featureMap, logits]`: the block-K output `[B, h, w, C_K]` and the patch logits `[B, h, w, 2]`.
 * `config.outputKind` is `'patch'` and `config.patchScore` the image-score aggregation.
 *
 * Attention maps (FAM) on a patch model differentiate the per-image mean over patches of
 * `O_fake − O_real` (core's `logitGap(logits, 'mean')`); `'sum'` is what the official `cal_fam`
 * computes on a spatial output. Both give the same ranking.
 *
 * @param options - see {@link PatchOptions}
 * @param rng - seeds every initializer
 * @returns a backbone that owns its model (call `dispose()`)
 * @throws `InvalidOptionError` for a bad option
 * @example
 * ```ts
 * const patch = createPatchBackbone({ cut: 2 }, createRng(5)); // logits [B, 28, 28, 2] at 224 px
 * ```
 */
export function createPatchBackbone(options: PatchOptions, rng: Rng): Backbone {
  const o = resolvePatchOptions(options);
  const c = (n: number): number => scaleChannels(n, o.widthMultiplier);
  const ctx: BuildContext = { init: createWeightInit(o.init, rng), poolPadding: o.poolPadding, batchNorm: o.batchNorm };
  const specs = xceptionBlockSpecs(PATCH_MIDDLE_BLOCKS, o.widthMultiplier).slice(0, o.cut);
  const input = tfl.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input' });
  let x = buildStem(input, [c(XCEPTION_CHANNELS.stem[0]), c(XCEPTION_CHANNELS.stem[1])], ctx);
  for (const spec of specs) x = buildBlock(x, spec, ctx);
  const features = x;
  const fanIn = specs[specs.length - 1]!.outChannels;
  const logits = tfl.layers
    .conv2d({
      filters: o.numClasses,
      kernelSize: 1,
      padding: 'valid',
      useBias: true,
      kernelInitializer: ctx.init.kernel(),
      biasInitializer: ctx.init.bias(fanIn),
      name: CLASSIFIER_LAYER,
    })
    .apply(features) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [features, logits], name: `patch_xception_block${o.cut}` });
  return new LayersBackbone(
    model,
    {
      name: 'patch',
      inputSize: o.inputSize,
      numClasses: o.numClasses,
      outputKind: 'patch',
      patchScore: o.patchScore,
      options: { ...o },
    },
    CLASSIFIER_LAYER,
  );
}
