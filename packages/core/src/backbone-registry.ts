/**
 * A named registry of backbone factories. Unknown names fail with the list of known ones.
 *
 * @packageDocumentation
 */
import type { Backbone } from './backbone.js';
import { UnknownBackboneError } from './errors.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { Rng } from './rng.js';
import { createSmallBackbone, smallBackboneMultiplyAdds, type SmallBackboneOptions } from './small-backbone.js';

/** Options every factory understands; factories accept their own extra options. */
export interface BackboneFactoryOptions {
  /** Square input side in pixels. */
  readonly inputSize?: number;
  /** Number of classes (2). */
  readonly numClasses?: number;
  /** Architecture-specific options. */
  readonly [option: string]: unknown;
}

/** Builds a backbone from options, seeding its initialisers from `rng`. */
export type BackboneFactory = (options: BackboneFactoryOptions, rng: Rng) => Backbone;

/**
 * Multiply-adds of one image's forward pass through the backbone these options build, computed
 * without building it (see multiply-adds.ts). Throws what the factory throws for invalid options.
 */
export type BackboneMultiplyAdds = (options: BackboneFactoryOptions) => number;

/** Registry of backbone factories by name. */
export class BackboneRegistry {
  private readonly factories = new Map<string, BackboneFactory>();
  private readonly estimates = new Map<string, BackboneMultiplyAdds>();

  /** @param logger - receives a warning when a name is overwritten */
  constructor(private readonly logger: Logger = silentLogger) {}

  /**
   * Registers `factory` under `name`; overwriting an existing name warns.
   *
   * @param name - registry name
   * @param factory - the factory
   * @param multiplyAdds - its work per image, from options alone (optional: without it,
   *   {@link BackboneRegistry.forwardMultiplyAdds} answers undefined)
   */
  register(name: string, factory: BackboneFactory, multiplyAdds?: BackboneMultiplyAdds): this {
    if (this.factories.has(name) && this.factories.get(name) !== factory) {
      this.logger.warn(`backbone "${name}" was registered again; the new factory replaces the old one`);
    }
    this.factories.set(name, factory);
    if (multiplyAdds === undefined) this.estimates.delete(name);
    else this.estimates.set(name, multiplyAdds);
    return this;
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * Builds the backbone registered as `name`.
   *
   * @throws {@link UnknownBackboneError} listing the known names
   */
  create(name: string, options: BackboneFactoryOptions, rng: Rng): Backbone {
    const factory = this.factories.get(name);
    if (!factory) throw new UnknownBackboneError(name, this.names());
    return factory(options, rng);
  }

  /**
   * Multiply-adds of one image's forward pass through the backbone `name` would build from
   * `options`, without building it; undefined when its factory registered no estimate.
   *
   * @throws {@link UnknownBackboneError} listing the known names
   * @throws `InvalidOptionError` for options the factory would refuse
   * @example
   * ```ts
   * createBackboneRegistry().forwardMultiplyAdds('xception', { widthMultiplier: 0.25, inputSize: 128 }); // 9.7e7
   * ```
   */
  forwardMultiplyAdds(name: string, options: BackboneFactoryOptions): number | undefined {
    if (!this.factories.has(name)) throw new UnknownBackboneError(name, this.names());
    return this.estimates.get(name)?.(options);
  }
}

/** A registry holding core's own `small` backbone. */
export function createCoreBackboneRegistry(logger?: Logger): BackboneRegistry {
  return new BackboneRegistry(logger).register(
    'small',
    (o, rng) => createSmallBackbone(o as SmallBackboneOptions, rng),
    (o) => smallBackboneMultiplyAdds(o as SmallBackboneOptions),
  );
}
