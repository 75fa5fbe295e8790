/**
 * The composition root helper: a per-run child container holding the run-scoped values the
 * {@link Trainer} injects. Plugins are registered on it afterwards (`registerSfe(container)`...).
 *
 * @packageDocumentation
 */
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Backbone } from './backbone.js';
import type { BatchSource, EvalSource } from './batches.js';
import { silentLogger, type Logger } from './logger.js';
import type { Rng } from './rng.js';
import { MemoryRunLog, type RunLog } from './run-log.js';
import { BACKBONE, LOGGER, RNG, RUN_DIR, RUN_LOG, TRAIN_BATCHES, TRAINER_OPTIONS, VALIDATION_DATA } from './tokens.js';
import type { TrainerOptions } from './trainer-options.js';

/** Run-scoped values of {@link createRunContainer}. */
export interface RunBindings {
  /** The network. */
  readonly backbone: Backbone;
  /** Training batches. */
  readonly batches: BatchSource;
  /** Validation split. */
  readonly validation: EvalSource;
  /** The run's seeded RNG (plugins draw from it). */
  readonly rng: Rng;
  /** Trainer options. @default {} */
  readonly options?: TrainerOptions;
  /** Logger. @default silentLogger */
  readonly logger?: Logger;
  /** Run log. @default a MemoryRunLog */
  readonly runLog?: RunLog;
  /** Folder for `model/` and `checkpoint/`. @default none (nothing written) */
  readonly runDir?: string;
}

/**
 * Creates a child container of `parent` with the run's values registered.
 *
 * @param bindings - the run's values
 * @param parent - parent container (default: tsyringe's root container)
 * @example
 * ```ts
 * const c = createRunContainer({ backbone, batches, validation, rng: createRng(5) });
 * registerSfe(c);
 * const result = await c.resolve(Trainer).run();
 * ```
 */
export function createRunContainer(bindings: RunBindings, parent: DependencyContainer = rootContainer): DependencyContainer {
  const c = parent.createChildContainer();
  c.register(BACKBONE, { useValue: bindings.backbone });
  c.register(TRAIN_BATCHES, { useValue: bindings.batches });
  c.register(VALIDATION_DATA, { useValue: bindings.validation });
  c.register(RNG, { useValue: bindings.rng });
  c.register(TRAINER_OPTIONS, { useValue: bindings.options ?? {} });
  c.register(LOGGER, { useValue: bindings.logger ?? silentLogger });
  c.register(RUN_LOG, { useValue: bindings.runLog ?? new MemoryRunLog() });
  if (bindings.runDir !== undefined) c.register(RUN_DIR, { useValue: bindings.runDir });
  return c;
}
