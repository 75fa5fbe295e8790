/**
 * Shared validation of backbone options: unknown keys and the common fields.
 *
 * @packageDocumentation
 */
import { requireOption } from '@rfm/core';

/** Weight initialisation schemes understood by the Xception and Patch builders. */
export type InitScheme = 'pytorch' | 'keras';

/** How the 3x3 stride-2 max pooling of the Xception blocks pads its input. */
export type PoolPadding = 'same' | 'symmetric';

/**
 * Throws an `InvalidOptionError` for the first key of `options` (with a defined value) that is not in
 * `known`, so a typo such as `width` for `widthMultiplier` does not silently fall back to a default.
 *
 * @param options - the user's options
 * @param known - accepted option names
 * @param backbone - backbone name used in the message
 */
export function rejectUnknownOptions(options: object, known: readonly string[], backbone: string): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    requireOption(known.includes(key), `${backbone}.${key}`, value, `one of the ${backbone} options: ${known.join(', ')}`);
  }
}


/** Validates an integer option `>= min`. */
export function requireInteger(option: string, value: unknown, min: number): asserts value is number {
  requireOption(typeof value === 'number' && Number.isInteger(value) && value >= min, option, value, `an integer >= ${min}`);
}

/** Validates the `init` option. */
export function requireInitScheme(option: string, value: unknown): asserts value is InitScheme {
  requireOption(value === 'pytorch' || value === 'keras', option, value, `'pytorch' or 'keras'`);
}

/** Validates the `poolPadding` option. */
export function requirePoolPadding(option: string, value: unknown): asserts value is PoolPadding {
  requireOption(value === 'same' || value === 'symmetric', option, value, `'symmetric' (PyTorch's pad-1 pooling) or 'same' (TensorFlow's)`);
}

/** Validates the `widthMultiplier` option: a finite number > 0. */
export function requireWidthMultiplier(option: string, value: unknown): asserts value is number {
  requireOption(typeof value === 'number' && Number.isFinite(value) && value > 0, option, value, 'a finite number > 0 (e.g. 1 or 0.25)');
}
