/**
 * Dependency-injection tokens. Every constructor parameter of an injectable rfm.js class names its
 * token explicitly (`@inject(TOKEN)` / `@injectAll(TOKEN)`); nothing relies on decorator metadata.
 *
 * @packageDocumentation
 */
import type { InjectionToken } from 'tsyringe';
import type { Augmentation } from './augmentation.js';
import type { Backbone } from './backbone.js';
import type { BatchSource, EvalSource } from './batches.js';
import type { Logger } from './logger.js';
import type { Rng } from './rng.js';
import type { RunLog } from './run-log.js';
import type { TrainerOptions } from './trainer-options.js';

/** Every registered augmentation plugin (multi-token, collected with `@injectAll`). */
export const AUGMENTATION: InjectionToken<Augmentation> = Symbol.for('rfm:augmentation');
/** The network being trained. */
export const BACKBONE: InjectionToken<Backbone> = Symbol.for('rfm:backbone');
/** Trainer options of a run. */
export const TRAINER_OPTIONS: InjectionToken<TrainerOptions> = Symbol.for('rfm:trainer-options');
/** The run's seeded generator. */
export const RNG: InjectionToken<Rng> = Symbol.for('rfm:rng');
/** The run's logger. */
export const LOGGER: InjectionToken<Logger> = Symbol.for('rfm:logger');
/** Training batches. */
export const TRAIN_BATCHES: InjectionToken<BatchSource> = Symbol.for('rfm:train-batches');
/** Validation data used for model selection. */
export const VALIDATION_DATA: InjectionToken<EvalSource> = Symbol.for('rfm:validation-data');
/** The JSON-lines run log. */
export const RUN_LOG: InjectionToken<RunLog> = Symbol.for('rfm:run-log');
/** Folder of the run (`model/`, `checkpoint/`); optional. */
export const RUN_DIR: InjectionToken<string> = Symbol.for('rfm:run-dir');
