import 'reflect-metadata';
import { BackboneRegistry, createRng, LOGGER, type Logger, silentLogger, UnknownBackboneError } from '@rfm/core';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { describeBackbone } from './describe.js';
import { BACKBONE_REGISTRY, registerBackbones } from './di.js';
import { backboneMultiplyAdds, backboneNames, createBackbone, createBackboneRegistry } from './registry.js';

describe('backbone registry', () => {
  it('knows small, xception and patch', () => {
    expect(backboneNames()).toEqual(['patch', 'small', 'xception']);
    expect(createBackboneRegistry().names()).toEqual(['patch', 'small', 'xception']);
  });

  it('fails on an unknown name with the list of known names', () => {
    const attempt = (): unknown => createBackbone('resnet50', {}, createRng(1));
    expect(attempt).toThrow(UnknownBackboneError);
    try {
      attempt();
    } catch (e) {
      expect((e as UnknownBackboneError).code).toBe('RFM_UNKNOWN_BACKBONE');
      expect((e as UnknownBackboneError).known).toEqual(['patch', 'small', 'xception']);
      expect((e as Error).message).toMatch(/resnet50.*patch, small, xception/);
    }
  });

  it('creates each backbone and describes it for the CLI', () => {
    const rng = createRng(2);
    const cases = [
      ['small', { inputSize: 32, width: 2 }, { outputKind: 'image', outputShape: [2], featureShape: [8, 8, 8] }],
      ['xception', { inputSize: 71, widthMultiplier: 0.0625, middleBlocks: 1 }, { outputKind: 'image', outputShape: [2], featureShape: [3, 3, 128] }],
      ['patch', { inputSize: 64, widthMultiplier: 0.125, cut: 2 }, { outputKind: 'patch', outputShape: [8, 8, 2], featureShape: [8, 8, 32] }],
    ] as const;
    for (const [name, options, expected] of cases) {
      const backbone = createBackbone(name, options, rng);
      const info = describeBackbone(backbone);
      const counts = backbone.countParams();
      expect(info).toEqual({
        name,
        inputSize: options.inputSize,
        trainableParams: counts.trainable,
        totalParams: counts.total,
        multiplyAdds: backboneMultiplyAdds(name, options),
        ...expected,
      });
      expect(info.totalParams).toBeGreaterThan(info.trainableParams); // batch-norm moving statistics
      backbone.dispose();
    }
  });

  it('describes the full-size Xception with the published counts', () => {
    const backbone = createBackbone('xception', {}, createRng(3));
    expect(describeBackbone(backbone)).toEqual({
      name: 'xception',
      inputSize: 224,
      outputKind: 'image',
      trainableParams: 20_811_050,
      totalParams: 20_865_578,
      outputShape: [2],
      featureShape: [7, 7, 2048],
      multiplyAdds: backboneMultiplyAdds('xception', {}),
    });
    expect(describeBackbone(backbone).multiplyAdds / 1e9).toBeCloseTo(4.55, 2);
    backbone.dispose();
  });

  it('registers one registry per container, idempotently, using the container logger', () => {
    const parent = rootContainer.createChildContainer();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => warnings.push(m), child: () => logger };
    parent.register(LOGGER, { useValue: logger });
    expect(parent.isRegistered(BACKBONE_REGISTRY)).toBe(false);
    registerBackbones(parent);
    registerBackbones(parent);
    const registry = parent.resolve(BACKBONE_REGISTRY);
    expect(registry).toBeInstanceOf(BackboneRegistry);
    expect(parent.resolve(BACKBONE_REGISTRY)).toBe(registry);
    expect(registry.names()).toEqual(['patch', 'small', 'xception']);
    // the overwrite warning goes to the container's logger
    registry.register('small', () => {
      throw new Error('unused');
    });
    expect(warnings).toHaveLength(1);
    // a child container gets its own registry when it registers, and inherits otherwise
    const inheriting = parent.createChildContainer();
    expect(inheriting.resolve(BACKBONE_REGISTRY)).toBe(registry);
    const own = parent.createChildContainer();
    registerBackbones(own);
    expect(own.resolve(BACKBONE_REGISTRY)).not.toBe(registry);
    // nothing leaked into the root container
    expect(rootContainer.isRegistered(BACKBONE_REGISTRY, true)).toBe(false);
  });
});
