import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { classificationLoss, createRng, InvalidOptionError, isBatchNormLayer, RfmBatchNormalization } from '@rfm/core';
import { describe, expect, it } from 'vitest';
import { SymmetricMaxPooling2D } from './symmetric-max-pool.js';
import { scaleChannels } from './xception-blocks.js';
import { createXception } from './xception.js';

const inboundNames = (model: tfl.LayersModel, layer: string): string[] =>
  model.getLayer(layer).inboundNodes[0]!.inboundLayers.map((l) => l.name);

const maxAbs = (t: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('Xception', () => {
  it('has exactly the parameters of the PyTorch model RFM trains', () => {
    const before = tf.memory().numTensors;
    const backbone = createXception({}, createRng(1));
    expect(backbone.countParams()).toEqual({ trainable: 20_811_050, total: 20_865_578 });
    expect(backbone.model.countParams()).toBe(20_865_578);
    expect(backbone.config).toEqual({
      name: 'xception',
      inputSize: 224,
      numClasses: 2,
      outputKind: 'image',
      options: { inputSize: 224, numClasses: 2, widthMultiplier: 1, middleBlocks: 8, poolPadding: 'symmetric', init: 'pytorch', batchNorm: 'fused' },
    });
    backbone.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has 1,350,740 trainable parameters at width 0.25 (channels rounded to nearest)', () => {
    expect([32, 64, 128, 256, 728, 1024, 1536, 2048].map((c) => scaleChannels(c, 0.25))).toEqual([8, 16, 32, 64, 182, 256, 384, 512]);
    expect(scaleChannels(32, 0.01)).toBe(1);
    const backbone = createXception({ inputSize: 128, widthMultiplier: 0.25 }, createRng(1));
    expect(backbone.countParams().trainable).toBe(1_350_740);
    backbone.dispose();
  });

  it.each([
    [224, 7],
    [256, 8],
    [299, 10],
    [128, 4],
  ])('at %i px the feature map side is %i (2048 channels) and the logits are [B, 2]', (inputSize, grid) => {
    const backbone = createXception({ inputSize }, createRng(2));
    expect(backbone.model.outputs[0]!.shape).toEqual([null, grid, grid, 2048]);
    expect(backbone.model.outputs[1]!.shape).toEqual([null, 2]);
    backbone.dispose();
  });

  it('follows Cadene: skip from the pre-ReLU block input, no ReLU after sums, block12 grows last', () => {
    const backbone = createXception({ inputSize: 71, widthMultiplier: 0.125 }, createRng(3));
    const m = backbone.model;
    const names = m.layers.map((l) => l.name);
    // block1 starts without a ReLU; every other block starts with one
    expect(names).not.toContain('block1_relu1');
    expect(inboundNames(m, 'block1_sepconv1')).toEqual(['relu2']);
    expect(inboundNames(m, 'block2_relu1')).toEqual(['block1_add']);
    // skip convs read the previous sum directly (before the ReLU)
    expect(inboundNames(m, 'block2_skip')).toEqual(['block1_add']);
    expect(inboundNames(m, 'block12_skip')).toEqual(['block11_add']);
    // middle blocks: three units and an identity skip
    expect(names.filter((n) => n.startsWith('block7_sepconv'))).toHaveLength(3);
    expect(names).not.toContain('block7_skip');
    expect(inboundNames(m, 'block7_add')).toEqual(['block7_bn3', 'block6_add']);
    // block12 (grow_first = false): 728 then 1024 channels
    const filters = (n: string): number => (m.getLayer(n).getConfig() as { filters: number }).filters;
    expect([filters('block12_sepconv1'), filters('block12_sepconv2')]).toEqual([91, 128]);
    expect(inboundNames(m, 'conv3')).toEqual(['block12_add']);
    // pools are PyTorch's symmetric ones by default
    expect(m.getLayer('block2_pool')).toBeInstanceOf(SymmetricMaxPooling2D);
    // separable convs have no bias: depthwise + pointwise kernels only
    expect(m.getLayer('block3_sepconv2').getWeights().map((w) => w.shape)).toEqual([
      [3, 3, 91, 1],
      [1, 1, 91, 91],
    ]);
    // batch norm with PyTorch's momentum 0.1 and eps 1e-5, the fused layer by default
    const bns = m.layers.filter(isBatchNormLayer);
    expect(bns).toHaveLength(2 + 3 * 3 + 8 * 3 + 3 + 2);
    for (const bn of bns) expect(bn).toBeInstanceOf(RfmBatchNormalization);
    for (const bn of bns) expect(bn.getConfig()).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
    // the feature map is ReLU(bn4(conv4)), the input of the global pooling
    expect(inboundNames(m, 'avgpool')).toEqual(['relu4']);
    expect(m.outputs[0]!.sourceLayer.name).toBe('relu4');
    backbone.dispose();
  });

  it("uses built-in 'same' pools when asked, with the same shapes", () => {
    const backbone = createXception({ inputSize: 71, widthMultiplier: 0.125, poolPadding: 'same', middleBlocks: 1 }, createRng(3));
    expect(backbone.model.layers.some((l) => l instanceof SymmetricMaxPooling2D)).toBe(false);
    expect(backbone.model.getLayer('block1_pool').getClassName()).toBe('MaxPooling2D');
    expect(backbone.model.outputs[0]!.shape).toEqual([null, 3, 3, 256]);
    expect(backbone.model.getLayer('block5_sepconv1')).toBeDefined(); // exit block right after 1 middle block
    backbone.dispose();
  });

  it("initialises like PyTorch (U(±1/sqrt(fan_in)), depthwise U(±1/3)) or like Keras", () => {
    const torch = createXception({ inputSize: 71, widthMultiplier: 0.25 }, createRng(4));
    const [conv1] = torch.model.getLayer('conv1').getWeights();
    const [depthwise, pointwise] = torch.model.getLayer('block2_sepconv1').getWeights();
    const [kernel, bias] = torch.model.getLayer('classifier').getWeights();
    const bounds: [tf.Tensor, number][] = [
      [conv1!, 1 / Math.sqrt(27)],
      [depthwise!, 1 / 3],
      [pointwise!, 1 / Math.sqrt(32)],
      [kernel!, 1 / Math.sqrt(512)],
      [bias!, 1 / Math.sqrt(512)],
    ];
    for (const [w, bound] of bounds) {
      expect(maxAbs(w)).toBeLessThanOrEqual(bound);
      if (w.size > 100) expect(maxAbs(w)).toBeGreaterThan(0.9 * bound);
    }
    const [gamma, beta, mean, variance] = torch.model.getLayer('bn1').getWeights();
    expect([gamma, beta, mean, variance].map((t) => Array.from(new Set(t!.dataSync())))).toEqual([[1], [0], [0], [1]]);
    torch.dispose();
    const keras = createXception({ inputSize: 71, widthMultiplier: 0.25, init: 'keras' }, createRng(4));
    const [, kerasBias] = keras.model.getLayer('classifier').getWeights();
    expect(maxAbs(kerasBias!)).toBe(0);
    const [kerasDepthwise] = keras.model.getLayer('block2_sepconv1').getWeights();
    // glorot on [3,3,C,1]: limit sqrt(6 / (9C + 9)) with C = 32
    expect(maxAbs(kerasDepthwise!)).toBeLessThanOrEqual(Math.sqrt(6 / (9 * 32 + 9)));
    keras.dispose();
  });

  it('gives the same weights for the same seed and different ones otherwise', () => {
    const weights = (seed: number): number[][] => {
      const b = createXception({ inputSize: 71, widthMultiplier: 0.0625, middleBlocks: 1 }, createRng(seed));
      const out = b.trainableWeights().map((w) => Array.from(w.dataSync()));
      b.dispose();
      return out;
    };
    const a = weights(7);
    expect(weights(7)).toEqual(a);
    const c = weights(8);
    expect(c.map((w) => w.length)).toEqual(a.map((w) => w.length));
    expect(c).not.toEqual(a);
    // each layer draws its own seed: two same-shape kernels differ
    expect(a[0]).not.toEqual(a[1]);
  });

  it('runs forward at a small size without leaking tensors', () => {
    const backbone = createXception({ inputSize: 71, widthMultiplier: 0.125 }, createRng(5));
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 71, 71, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    for (const training of [false, true]) {
      const { featureMap, logits } = backbone.apply(x, training);
      expect(featureMap.shape).toEqual([2, 3, 3, 256]);
      expect(logits.shape).toEqual([2, 2]);
      expect(tf.tidy(() => tf.min(featureMap).dataSync()[0]!)).toBeGreaterThanOrEqual(0); // post-ReLU
      tf.dispose([featureMap, logits]);
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });

  it('training and inference mode differ only through batch normalisation', () => {
    const backbone = createXception({ inputSize: 71, widthMultiplier: 0.125, middleBlocks: 2 }, createRng(6));
    const m = backbone.model;
    const x = tf.randomNormal([4, 71, 71, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const infer0 = backbone.apply(x, false);
    const train0 = backbone.apply(x, true);
    expect(maxAbsDiff(infer0.logits, train0.logits)).toBeGreaterThan(1e-3);
    // set every BN's moving statistics to the batch statistics of its training-mode input
    const bns = m.layers.filter(isBatchNormLayer);
    expect(bns.length).toBeGreaterThan(0);
    const probe = tfl.model({ inputs: m.inputs, outputs: bns.map((l) => l.input as tfl.SymbolicTensor) });
    const bnInputs = probe.apply(x, { training: true }) as tf.Tensor[];
    bns.forEach((bn, i) => {
      const [gamma, beta] = bn.getWeights();
      const { mean, variance } = tf.moments(bnInputs[i]!, [0, 1, 2]);
      bn.setWeights([gamma!, beta!, mean, variance]);
      tf.dispose([mean, variance]);
    });
    const infer = backbone.apply(x, false);
    const train = backbone.apply(x, true);
    const scale = maxAbs(train.logits);
    expect(maxAbsDiff(infer.logits, train.logits)).toBeLessThan(1e-3 * scale);
    expect(maxAbsDiff(infer.featureMap, train.featureMap)).toBeLessThan(1e-3 * maxAbs(train.featureMap));
    tf.dispose([x, ...bnInputs, infer0.logits, infer0.featureMap, train0.logits, train0.featureMap]);
    tf.dispose([infer.logits, infer.featureMap, train.logits, train.featureMap]);
    backbone.dispose();
  });

  it('rejects bad options with typed errors', () => {
    const rng = createRng(1);
    expect(() => createXception({ inputSize: 70 }, rng)).toThrow(InvalidOptionError);
    expect(() => createXception({ widthMultiplier: 0 }, rng)).toThrow(/xception\.widthMultiplier/);
    expect(() => createXception({ poolPadding: 'valid' as never }, rng)).toThrow(/poolPadding/);
    expect(() => createXception({ init: 'he' as never }, rng)).toThrow(/xception\.init/);
    expect(() => createXception({ width: 2 } as never, rng)).toThrow(/xception\.width=2.*widthMultiplier/);
    expect(() => createXception({ batchNorm: 'native' as never }, rng)).toThrow(/xception\.batchNorm=.*'fused'.*'layers'/);
  });

  it("batchNorm 'layers' builds tfjs-layers' BatchNormalization with the same weights, names and order", () => {
    const options = { inputSize: 71, widthMultiplier: 0.125, middleBlocks: 1 } as const;
    const fused = createXception(options, createRng(2));
    const stock = createXception({ ...options, batchNorm: 'layers' }, createRng(2));
    expect(stock.config.options['batchNorm']).toBe('layers');
    const bns = stock.model.layers.filter(isBatchNormLayer);
    expect(bns.length).toBe(fused.model.layers.filter(isBatchNormLayer).length);
    for (const bn of bns) expect(bn.getClassName()).toBe('BatchNormalization');
    const describeWeights = (b: typeof fused) => b.model.weights.map((w) => [w.originalName, w.shape, w.trainable]);
    expect(describeWeights(stock)).toEqual(describeWeights(fused));
    expect(stock.countParams()).toEqual(fused.countParams());
    // same seed, same initial weights
    const [a, b] = [fused, stock].map((m) => m.model.getWeights().map((w) => Array.from(w.dataSync())));
    expect(b).toEqual(a);
    fused.dispose();
    stock.dispose();
  });

  it("the fused and the 'layers' batch norm train alike on cpu (same loss, gradients and moving statistics)", () => {
    const options = { inputSize: 71, widthMultiplier: 0.125, middleBlocks: 1 } as const;
    const x = tf.randomNormal([2, 71, 71, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1], 'int32');
    const run = (batchNorm: 'fused' | 'layers'): Float32Array[] => {
      const backbone = createXception({ ...options, batchNorm }, createRng(3));
      const vars = backbone.trainableWeights();
      const { value, grads } = tf.variableGrads(() => classificationLoss(backbone.apply(x, true).logits, y), vars);
      const out = [value, ...vars.map((v) => grads[v.name]!), ...backbone.model.weights.map((w) => w.read())].map((t) => t.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      backbone.dispose();
      return out;
    };
    const want = run('layers');
    const got = run('fused');
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      const scale = Math.max(...want[i]!.map(Math.abs), 1e-30);
      const diff = Math.max(...g.map((v, j) => Math.abs(v - want[i]![j]!)));
      expect(diff / scale, `quantity ${i}`).toBeLessThanOrEqual(1e-5);
    });
    tf.dispose([x, y]);
  });

  it('trains: one Adam step of width 0.25 at 128 px, batch 2, on the cpu backend', () => {
    const backbone = createXception({ inputSize: 128, widthMultiplier: 0.25 }, createRng(9));
    const x = tf.randomNormal([2, 128, 128, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1], 'int32') as tf.Tensor1D;
    const vars = backbone.trainableWeights();
    const head = backbone.model.getLayer('classifier').getWeights()[0]!;
    const first = backbone.model.getLayer('conv1').getWeights()[0]!;
    const [head0, first0] = [tf.clone(head), tf.clone(first)];
    const optimizer = tf.train.adam(2e-4);
    const before = tf.memory().numTensors;
    const loss = optimizer.minimize(() => classificationLoss(backbone.apply(x, true).logits, y), true, vars)!;
    const value = loss.dataSync()[0]!;
    expect(Number.isFinite(value)).toBe(true);
    // Adam moves every weight that has a gradient by about lr on its first step
    expect(maxAbsDiff(head, head0)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(first, first0)).toBeGreaterThan(1e-4);
    loss.dispose();
    // only Adam's two moment slots per variable remain (its beta powers exist since construction)
    expect(tf.memory().numTensors).toBe(before + 2 * vars.length);
    optimizer.dispose();
    tf.dispose([x, y, head0, first0]);
    backbone.dispose();
  }, 600_000);
});
