/**
 * Multiply-adds of one image's forward pass through the `xception` and `patch` backbones, from
 * their options alone (the registry's estimates; `@rfm/core`'s `countForwardMultiplyAdds` counts
 * the same from a built model, and the tests compare the two). They follow the layers of
 * xception-blocks.ts: the stem's two 3x3 `valid` convolutions, each block's separable
 * convolutions, its stride-2 pooling (`same` and symmetric padding both give `ceil(side / 2)`) and
 * its 1x1 shortcut, then the network's own head.
 *
 * @packageDocumentation
 */
import { convMultiplyAdds, separableConvMultiplyAdds } from '@rfm/core';
import { blockHasSkipConv, blockUnitChannels, scaleChannels, XCEPTION_CHANNELS, xceptionBlockSpecs, type XceptionBlockSpec } from './xception-blocks.js';
import { resolveXceptionOptions, type XceptionOptions } from './xception-options.js';
import { resolvePatchOptions, type PatchOptions } from './patch-options.js';
import { PATCH_MIDDLE_BLOCKS } from './patch-model.js';

/** Work and output of the stem and blocks: multiply-adds, feature-map side, channels. */
interface Trunk {
  readonly multiplyAdds: number;
  readonly side: number;
  readonly channels: number;
}

function trunkMultiplyAdds(inputSize: number, widthMultiplier: number, specs: readonly XceptionBlockSpec[]): Trunk {
  const [c1, c2] = XCEPTION_CHANNELS.stem.map((n) => scaleChannels(n, widthMultiplier)) as [number, number];
  const side1 = Math.floor((inputSize - 3) / 2) + 1;
  const side2 = side1 - 2;
  let total = convMultiplyAdds(side1, 3, 3, c1) + convMultiplyAdds(side2, 3, c1, c2);
  let side = side2;
  for (const spec of specs) {
    let channels = spec.inChannels;
    for (const out of blockUnitChannels(spec)) {
      total += separableConvMultiplyAdds(side, 3, channels, out);
      channels = out;
    }
    const outSide = spec.stride === 1 ? side : Math.ceil(side / 2);
    if (blockHasSkipConv(spec)) total += convMultiplyAdds(outSide, 1, spec.inChannels, spec.outChannels);
    side = outSide;
  }
  return { multiplyAdds: total, side, channels: specs.length > 0 ? specs[specs.length - 1]!.outChannels : c2 };
}

/**
 * Multiply-adds of one image's forward pass through the `xception` backbone of these options.
 *
 * @param options - the backbone's options
 * @throws `InvalidOptionError` as `createXception` does
 * @example
 * ```ts
 * xceptionMultiplyAdds({}); // 4.55e9: the paper's network at 224 px
 * xceptionMultiplyAdds({ widthMultiplier: 0.25, inputSize: 128 }); // 9.7e7
 * ```
 */
export function xceptionMultiplyAdds(options: XceptionOptions): number {
  const o = resolveXceptionOptions(options);
  const trunk = trunkMultiplyAdds(o.inputSize, o.widthMultiplier, xceptionBlockSpecs(o.middleBlocks, o.widthMultiplier));
  let total = trunk.multiplyAdds;
  let channels = trunk.channels;
  for (const filters of XCEPTION_CHANNELS.tail) {
    const out = scaleChannels(filters, o.widthMultiplier);
    total += separableConvMultiplyAdds(trunk.side, 3, channels, out);
    channels = out;
  }
  return total + channels * o.numClasses;
}

/**
 * Multiply-adds of one image's forward pass through the `patch` backbone of these options (the
 * stem, the first `cut` blocks and a 1x1 classifier on every position).
 *
 * @param options - the backbone's options
 * @throws `InvalidOptionError` as `createPatchBackbone` does
 */
export function patchMultiplyAdds(options: PatchOptions): number {
  const o = resolvePatchOptions(options);
  const trunk = trunkMultiplyAdds(o.inputSize, o.widthMultiplier, xceptionBlockSpecs(PATCH_MIDDLE_BLOCKS, o.widthMultiplier).slice(0, o.cut));
  return trunk.multiplyAdds + convMultiplyAdds(trunk.side, 1, trunk.channels, o.numClasses);
}
