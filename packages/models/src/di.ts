/**
 * Dependency-injection registration of the backbone registry.
 *
 * @packageDocumentation
 */
import { type BackboneRegistry, LOGGER, type Logger } from '@rfm/core';
import { type DependencyContainer, type InjectionToken, instanceCachingFactory } from 'tsyringe';
import { createBackboneRegistry } from './registry.js';

/** The run's backbone registry (`small`, `xception`, `patch`, plus anything registered later). */
export const BACKBONE_REGISTRY: InjectionToken<BackboneRegistry> = Symbol.for('rfm:backbone-registry');

/**
 * Registers {@link BACKBONE_REGISTRY} in `container`: one registry per container, created on first
 * resolution, warning through the container's `LOGGER` (if any) on overwrites. Calling it again on
 * the same container does nothing. Nothing is registered at import time.
 *
 * @param container - the composition root's (or a run's) container
 * @example
 * ```ts
 * registerBackbones(container);
 * const backbone = container.resolve(BACKBONE_REGISTRY).create('patch', { cut: 2 }, rng);
 * ```
 */
export function registerBackbones(container: DependencyContainer): void {
  if (container.isRegistered(BACKBONE_REGISTRY, false)) return;
  container.register(BACKBONE_REGISTRY, {
    useFactory: instanceCachingFactory((c) => {
      const logger = c.isRegistered(LOGGER, true) ? c.resolve<Logger>(LOGGER).child('models') : undefined;
      return createBackboneRegistry(logger);
    }),
  });
}
