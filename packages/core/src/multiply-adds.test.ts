import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { createCoreBackboneRegistry } from './backbone-registry.js';
import { UnknownBackboneError } from './errors.js';
import { convMultiplyAdds, countForwardMultiplyAdds, separableConvMultiplyAdds } from './multiply-adds.js';
import { createRng } from './rng.js';
import { createSmallBackbone, smallBackboneMultiplyAdds } from './small-backbone.js';

describe('forward multiply-adds', () => {
  it('counts each convolution kind and the dense layer of a hand-built model', () => {
    const input = tfl.input({ shape: [10, 10, 4] });
    const conv = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' }).apply(input) as tfl.SymbolicTensor; // 5x5x6
    const depthwise = tfl.layers.depthwiseConv2d({ kernelSize: [3, 1], depthMultiplier: 2, padding: 'same' }).apply(conv) as tfl.SymbolicTensor; // 5x5x12
    const separable = tfl.layers.separableConv2d({ filters: 7, kernelSize: 3, depthMultiplier: 2, padding: 'valid' }).apply(depthwise) as tfl.SymbolicTensor; // 3x3x7
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(separable) as tfl.SymbolicTensor;
    const dense = tfl.layers.dense({ units: 2 }).apply(pooled) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: dense });
    const expected = 5 * 5 * 9 * 4 * 6 + 5 * 5 * 3 * 12 + 3 * 3 * (12 * 2) * (9 + 7) + 7 * 2;
    expect(countForwardMultiplyAdds(model)).toBe(expected);
    model.dispose();
  });

  it('has one formula per convolution kind', () => {
    expect(convMultiplyAdds(111, 3, 3, 32)).toBe(10_645_344);
    expect(separableConvMultiplyAdds(14, 3, 728, 728)).toBe(14 * 14 * 728 * (9 + 728));
  });

  it("estimates the small backbone's work from its options as a built model counts it", () => {
    const before = tf.memory().numTensors;
    for (const options of [{ inputSize: 32, width: 2 }, { inputSize: 96, depth: 4 }, { inputSize: 65, width: 3, depth: 3, numClasses: 3 }]) {
      const backbone = createSmallBackbone(options, createRng(1));
      expect(smallBackboneMultiplyAdds(options)).toBe(countForwardMultiplyAdds(backbone.model));
      backbone.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers through the registry, undefined for a factory without an estimate, and names unknown backbones', () => {
    const registry = createCoreBackboneRegistry();
    expect(registry.forwardMultiplyAdds('small', { inputSize: 32 })).toBe(smallBackboneMultiplyAdds({ inputSize: 32 }));
    registry.register('other', (o, rng) => createSmallBackbone(o, rng));
    expect(registry.forwardMultiplyAdds('other', {})).toBeUndefined();
    expect(() => registry.forwardMultiplyAdds('resnet', {})).toThrow(UnknownBackboneError);
    expect(() => registry.forwardMultiplyAdds('small', { depth: 9 })).toThrow(/depth/);
  });
});
