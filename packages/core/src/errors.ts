/**
 * Typed errors of rfm.js. Every error carries a stable `code` so that callers (and the CLI) can
 * branch on it, and a message that names the offending value and the fix.
 *
 * @packageDocumentation
 */

/** Stable error codes used across the rfm.js packages. */
export type RfmErrorCode =
  | 'RFM_INVALID_OPTION'
  | 'RFM_UNKNOWN_BACKBONE'
  | 'RFM_UNKNOWN_AUGMENTATION'
  | 'RFM_DUPLICATE_AUGMENTATION'
  | 'RFM_BAD_IMAGE'
  | 'RFM_BAD_DATASET'
  | 'RFM_BACKEND_UNAVAILABLE'
  | 'RFM_CHECKPOINT'
  | 'RFM_OUTPUT'
  | 'RFM_SHAPE_MISMATCH'
  | 'RFM_AUGMENTATION_FAILED'
  | 'RFM_TRAINING_DIVERGED'
  | 'RFM_FACE_MODEL'
  | 'RFM_NO_FFMPEG'
  | 'RFM_VIDEO_DECODE'
  | 'RFM_NO_FACE'
  | 'RFM_BACKEND_FAILURE'
  | 'RFM_MEMORY_BUDGET';

/** Base class of every error thrown on purpose by rfm.js. */
export class RfmError extends Error {
  /** Stable machine-readable code. */
  readonly code: RfmErrorCode;

  /**
   * @param code - stable error code
   * @param message - what went wrong, with the bad value and the fix
   * @param options - standard `cause` for wrapped errors
   */
  constructor(code: RfmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option is out of range or of the wrong type. */
export class InvalidOptionError extends RfmError {
  /** Name of the offending option, for example `blocks` or `maxHeight`. */
  readonly option: string;
  /** The value that was rejected. */
  readonly value: unknown;

  /**
   * @param option - option name (dotted for nested options)
   * @param value - rejected value
   * @param expected - what would have been accepted, e.g. `an integer >= 1`
   */
  constructor(option: string, value: unknown, expected: string) {
    super('RFM_INVALID_OPTION', `Invalid option ${option}=${formatValue(value)}: expected ${expected}.`);
    this.option = option;
    this.value = value;
  }
}

/** A backbone name is not registered. */
export class UnknownBackboneError extends RfmError {
  /**
   * @param backbone - requested name
   * @param known - the names that are registered
   */
  constructor(readonly backbone: string, readonly known: readonly string[]) {
    super(
      'RFM_UNKNOWN_BACKBONE',
      `Unknown backbone "${backbone}". Known backbones: ${known.join(', ') || '(none registered)'}.`,
    );
  }
}

/** An augmentation name is not known to the caller's registry. */
export class UnknownAugmentationError extends RfmError {
  /**
   * @param augmentation - requested name
   * @param known - the names that are available
   */
  constructor(readonly augmentation: string, readonly known: readonly string[]) {
    super(
      'RFM_UNKNOWN_AUGMENTATION',
      `Unknown augmentation "${augmentation}". Known augmentations: ${known.join(', ')}.`,
    );
  }
}

/** Two different augmentations were registered under one name. */
export class DuplicateAugmentationError extends RfmError {
  /** @param augmentation - the contested name */
  constructor(readonly augmentation: string) {
    super(
      'RFM_DUPLICATE_AUGMENTATION',
      `An augmentation named "${augmentation}" is already registered in this container; give the new one another name.`,
    );
  }
}

/** Tensor shapes do not fit together. */
export class ShapeMismatchError extends RfmError {
  /** @param message - which shapes and why */
  constructor(message: string) {
    super('RFM_SHAPE_MISMATCH', message);
  }
}

/** An augmentation plugin threw; wraps the original error with the plugin's name. */
export class AugmentationFailedError extends RfmError {
  /**
   * @param plugin - the plugin's `name`
   * @param cause - the original error
   */
  constructor(readonly plugin: string, cause: unknown) {
    super('RFM_AUGMENTATION_FAILED', `Augmentation "${plugin}" failed: ${errorMessage(cause)}`, { cause });
  }
}

/** The training loss stopped being a finite number: the run diverged. */
export class TrainingDivergedError extends RfmError {
  /**
   * @param step - the 1-based iteration whose loss is not finite
   * @param loss - the loss (NaN or ±Infinity)
   */
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super('RFM_TRAINING_DIVERGED', `Training diverged at iteration ${step}: loss is ${loss}. Lower the learning rate (option learningRate).`);
  }
}

/** A checkpoint or saved model cannot be written or read. */
export class CheckpointError extends RfmError {
  /** @param message - what and where */
  constructor(message: string, options?: { cause?: unknown }) {
    super('RFM_CHECKPOINT', message, options);
  }
}

/**
 * An output file or folder cannot be created or written. The message names the path the caller
 * asked for (never an internal temporary name), the reason in words (read-only filesystem, no space
 * left, permission denied, not a folder...) and the fix.
 */
export class OutputError extends RfmError {
  /** The file or folder that could not be written. */
  readonly path: string;
  /** The system error code (`EROFS`, `ENOSPC`, `EACCES`...), when there was one. */
  readonly errno: string | undefined;

  /**
   * @param path - the destination the caller asked for
   * @param reason - what went wrong, e.g. `the filesystem is read-only`
   * @param options - the underlying error as `cause` and its system code
   */
  constructor(path: string, reason: string, options?: { cause?: unknown; errno?: string }) {
    super('RFM_OUTPUT', `Cannot write ${path}: ${reason}.`, options);
    this.path = path;
    this.errno = options?.errno;
  }
}

/**
 * Throws an {@link InvalidOptionError} unless `cond` holds. The message is only built on failure.
 *
 * @param cond - the condition that must hold
 * @param option - option name
 * @param value - its value
 * @param expected - description of accepted values
 */
export function requireOption(cond: boolean, option: string, value: unknown, expected: string): asserts cond {
  if (!cond) throw new InvalidOptionError(option, value, expected);
}

/** The message of any thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The first line of any thrown value's message, trimmed: a reason that fits in one line of a
 * message, without the stack or runtime dump that may follow it.
 *
 * @param e - the caught value (or a message)
 * @example
 * ```ts
 * firstErrorLine(new Error('out of memory\n    at glue.js:1')); // 'out of memory'
 * ```
 */
export function firstErrorLine(e: unknown): string {
  return errorMessage(e).split('\n')[0]!.trim();
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
