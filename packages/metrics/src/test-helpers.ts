/**
 * Test-only helpers of `@rfm/metrics` (excluded from the build).
 *
 * @packageDocumentation
 */
import { expect } from 'vitest';
import { MetricsInputError } from './errors.js';

/** Runs `f`, asserts it throws a {@link MetricsInputError} and returns it. */
export function metricsErrorOf(f: () => unknown): MetricsInputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MetricsInputError);
    return e as MetricsInputError;
  }
  throw new Error('expected a MetricsInputError');
}
