/**
 * The building blocks of Cadene's Xception (`pretrainedmodels/models/xception.py`) as tfjs-layers
 * graph pieces, shared by the full network and the truncated Patch model.
 *
 * @packageDocumentation
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { type BatchNormKind, createBatchNormLayer } from '@rfm/core';
import type { PoolPadding } from './option-checks.js';
import { SymmetricMaxPooling2D } from './symmetric-max-pool.js';
import type { Initializer, WeightInit } from './weight-init.js';

/** A symbolic tensor of the layers graph. */
type Sym = tfl.SymbolicTensor;

/** Channel counts of Xception at width 1. */
export const XCEPTION_CHANNELS = {
  /** conv1, conv2 */
  stem: [32, 64],
  /** block1..block3 outputs (entry flow) */
  entry: [128, 256, 728],
  /** middle-flow blocks */
  middle: 728,
  /** block12 (exit block) output */
  exit: 1024,
  /** conv3, conv4 (separable) */
  tail: [1536, 2048],
} as const;

/**
 * Scales a channel count by the width multiplier: `max(1, round(channels · widthMultiplier))`
 * (round half up). With 0.25: 32→8, 64→16, 128→32, 256→64, 728→182, 1024→256, 1536→384, 2048→512.
 *
 * @param channels - channel count at width 1
 * @param widthMultiplier - scale factor
 */
export function scaleChannels(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

/** One residual block of Xception: `Block(in, out, reps, stride, start_with_relu, grow_first)`. */
export interface XceptionBlockSpec {
  /** Layer name prefix, `block1`...`block12`. */
  readonly name: string;
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Number of [ReLU, SepConv, BN] units. */
  readonly reps: number;
  /** 2 appends a 3x3/2 max pool and makes the skip a strided 1x1 conv. */
  readonly stride: 1 | 2;
  /** False drops the first unit's ReLU (block1). */
  readonly startWithRelu: boolean;
  /** True: the first unit maps in→out; false: the last unit does (block12). */
  readonly growFirst: boolean;
}

/**
 * The residual blocks of Xception in order: block1..3 (entry), `middleBlocks` middle blocks, and the
 * exit block (block12 at the default 8 middle blocks), with channels scaled by `widthMultiplier`.
 *
 * @param middleBlocks - number of middle-flow blocks (8 in Xception)
 * @param widthMultiplier - channel scale (see {@link scaleChannels})
 */
export function xceptionBlockSpecs(middleBlocks: number, widthMultiplier: number): XceptionBlockSpec[] {
  const c = (n: number): number => scaleChannels(n, widthMultiplier);
  const [e1, e2, e3] = XCEPTION_CHANNELS.entry;
  const specs: XceptionBlockSpec[] = [
    { name: 'block1', inChannels: c(XCEPTION_CHANNELS.stem[1]), outChannels: c(e1), reps: 2, stride: 2, startWithRelu: false, growFirst: true },
    { name: 'block2', inChannels: c(e1), outChannels: c(e2), reps: 2, stride: 2, startWithRelu: true, growFirst: true },
    { name: 'block3', inChannels: c(e2), outChannels: c(e3), reps: 2, stride: 2, startWithRelu: true, growFirst: true },
  ];
  for (let i = 0; i < middleBlocks; i++) {
    const m = c(XCEPTION_CHANNELS.middle);
    specs.push({ name: `block${4 + i}`, inChannels: m, outChannels: m, reps: 3, stride: 1, startWithRelu: true, growFirst: true });
  }
  specs.push({
    name: `block${4 + middleBlocks}`,
    inChannels: c(XCEPTION_CHANNELS.middle),
    outChannels: c(XCEPTION_CHANNELS.exit),
    reps: 2,
    stride: 2,
    startWithRelu: true,
    growFirst: false,
  });
  return specs;
}

/** What the graph builders need besides the input tensor. */
export interface BuildContext {
  /** Seeded initialisers. */
  readonly init: WeightInit;
  /** Padding of the 3x3/2 max pools. */
  readonly poolPadding: PoolPadding;
  /** Batch-norm layer kind (core's fused `RfmBatchNormalization` or tfjs-layers' own). */
  readonly batchNorm: BatchNormKind;
}

/**
 * Batch norm with PyTorch's behaviour: momentum 0.1 (tfjs 0.9) and epsilon 1e-5.
 *
 * @param name - layer name
 * @param ctx - says which batch-norm layer to build
 */
export function batchNorm(name: string, ctx: BuildContext): tfl.layers.Layer {
  return createBatchNormLayer(ctx.batchNorm, { momentum: 0.9, epsilon: 1e-5, name });
}

/** ReLU layer. */
export function relu(name: string): tfl.layers.Layer {
  return tfl.layers.activation({ activation: 'relu', name });
}

/** Depthwise 3x3 (stride 1, same) then pointwise 1x1, no bias and nothing in between (Cadene's SeparableConv2d). */
export function separableConv(name: string, filters: number, ctx: BuildContext): tfl.layers.Layer {
  const pointwise = ctx.init.kernel();
  const layer = tfl.layers.separableConv2d({
    filters,
    kernelSize: 3,
    strides: 1,
    padding: 'same',
    depthMultiplier: 1,
    useBias: false,
    depthwiseInitializer: ctx.init.depthwise(3),
    pointwiseInitializer: pointwise,
    name,
  });
  // tfjs-layers 4.22.0 builds the pointwise initializer from `depthwiseInitializer` (fix pending in
  // tensorflow/tfjs#8564); set the intended one before the layer builds its weights.
  (layer as unknown as { pointwiseInitializer: Initializer }).pointwiseInitializer = pointwise;
  return layer;
}

/** The 3x3 stride-2 max pool of a strided block, padded as `ctx.poolPadding` says. */
export function blockPool(name: string, ctx: BuildContext): tfl.layers.Layer {
  return ctx.poolPadding === 'symmetric'
    ? new SymmetricMaxPooling2D({ poolSize: 3, strides: 2, padding: 1, name })
    : tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name });
}

/**
 * conv1 (3x3/2 valid) → bn1 → relu1 → conv2 (3x3 valid) → bn2 → relu2.
 *
 * @param input - `[B, H, W, 3]`
 * @param channels - output channels of conv1 and conv2
 * @param ctx - initialisers and pool padding
 */
export function buildStem(input: Sym, channels: readonly [number, number], ctx: BuildContext): Sym {
  let x = input;
  const convs: [string, number, number][] = [
    ['1', channels[0], 2],
    ['2', channels[1], 1],
  ];
  for (const [i, filters, strides] of convs) {
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, strides, padding: 'valid', useBias: false, kernelInitializer: ctx.init.kernel(), name: `conv${i}` })
      .apply(x) as Sym;
    x = batchNorm(`bn${i}`, ctx).apply(x) as Sym;
    x = relu(`relu${i}`).apply(x) as Sym;
  }
  return x;
}

/**
 * Output channels of each separable convolution of a block, in order: all `outChannels` when the
 * block grows first, else `inChannels` until the last one.
 *
 * @param spec - block shape
 */
export function blockUnitChannels(spec: XceptionBlockSpec): number[] {
  return Array.from({ length: spec.reps }, (_, i) => (spec.growFirst || i === spec.reps - 1 ? spec.outChannels : spec.inChannels));
}

/**
 * Whether a block's skip path is a 1x1 convolution (with batch norm): where the block changes the
 * channel count or the resolution; otherwise it is the identity.
 *
 * @param spec - block shape
 */
export function blockHasSkipConv(spec: XceptionBlockSpec): boolean {
  return spec.outChannels !== spec.inChannels || spec.stride !== 1;
}

/**
 * One residual block. The skip path reads the block input before any ReLU; the output is the plain
 * sum (no ReLU after it, the next block's leading ReLU provides it).
 *
 * @param input - block input
 * @param spec - block shape
 * @param ctx - initialisers and pool padding
 * @returns the output of the `${name}_add` layer
 */
export function buildBlock(input: Sym, spec: XceptionBlockSpec, ctx: BuildContext): Sym {
  const { name, outChannels } = spec;
  let x = input;
  blockUnitChannels(spec).forEach((filters, i) => {
    if (i > 0 || spec.startWithRelu) x = relu(`${name}_relu${i + 1}`).apply(x) as Sym;
    x = separableConv(`${name}_sepconv${i + 1}`, filters, ctx).apply(x) as Sym;
    x = batchNorm(`${name}_bn${i + 1}`, ctx).apply(x) as Sym;
  });
  if (spec.stride !== 1) x = blockPool(`${name}_pool`, ctx).apply(x) as Sym;
  let skip = input;
  if (blockHasSkipConv(spec)) {
    skip = tfl.layers
      .conv2d({
        filters: outChannels,
        kernelSize: 1,
        strides: spec.stride,
        padding: 'valid',
        useBias: false,
        kernelInitializer: ctx.init.kernel(),
        name: `${name}_skip`,
      })
      .apply(input) as Sym;
    skip = batchNorm(`${name}_skipbn`, ctx).apply(skip) as Sym;
  }
  return tfl.layers.add({ name: `${name}_add` }).apply([x, skip]) as Sym;
}

/**
 * Main-path receptive field (pixels) of the output of block `blocks` (0 = the stem), computed
 * backwards with rf ← (rf − 1)·stride + k; 1x1 convs (pointwise, skip) do not enlarge it.
 *
 * @param specs - the blocks (from {@link xceptionBlockSpecs})
 * @param blocks - how many blocks to include
 */
export function receptiveField(specs: readonly XceptionBlockSpec[], blocks: number): number {
  const layers: [k: number, s: number][] = [
    [3, 2],
    [3, 1],
  ];
  for (const spec of specs.slice(0, blocks)) {
    for (let i = 0; i < spec.reps; i++) layers.push([3, 1]);
    if (spec.stride !== 1) layers.push([3, spec.stride]);
  }
  return layers.reduceRight((rf, [k, s]) => (rf - 1) * s + k, 1);
}
