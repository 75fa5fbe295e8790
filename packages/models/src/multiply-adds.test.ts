import { countForwardMultiplyAdds, createRng } from '@rfm/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { patchMultiplyAdds, xceptionMultiplyAdds } from './multiply-adds.js';
import { backboneMultiplyAdds, createBackbone } from './registry.js';

describe('multiply-adds of the xception and patch backbones from their options', () => {
  it('equal what the built models count, at odd and even sides, with both poolings', () => {
    const before = tf.memory().numTensors;
    const cases = [
      ['xception', { widthMultiplier: 0.25, inputSize: 128 }],
      ['xception', { widthMultiplier: 0.125, inputSize: 99, middleBlocks: 2, poolPadding: 'same', numClasses: 3 }],
      ['xception', { widthMultiplier: 0.3, inputSize: 160, middleBlocks: 0 }],
      ['patch', { widthMultiplier: 0.25, inputSize: 128, cut: 5 }],
      ['patch', { widthMultiplier: 0.125, inputSize: 75, cut: 1, poolPadding: 'same' }],
      ['small', { inputSize: 96, depth: 4 }],
    ] as const;
    for (const [name, options] of cases) {
      const backbone = createBackbone(name, options, createRng(1));
      expect(backboneMultiplyAdds(name, options), `${name} ${JSON.stringify(options)}`).toBe(countForwardMultiplyAdds(backbone.model));
      backbone.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('put the paper network at 4.55 G and the width-0.25 128 px one at 97 M multiply-adds', () => {
    expect(xceptionMultiplyAdds({}) / 1e9).toBeCloseTo(4.551, 3);
    expect(xceptionMultiplyAdds({ widthMultiplier: 0.25, inputSize: 128 }) / 1e6).toBeCloseTo(97, 0);
    expect(patchMultiplyAdds({ cut: 2 })).toBeLessThan(xceptionMultiplyAdds({}));
  });

  it('refuse the options the factories refuse', () => {
    expect(() => xceptionMultiplyAdds({ inputSize: 32 })).toThrow(/inputSize/);
    expect(() => patchMultiplyAdds({ cut: 9 })).toThrow(/cut/);
    expect(() => backboneMultiplyAdds('resnet', {})).toThrow(/resnet/);
  });
});
