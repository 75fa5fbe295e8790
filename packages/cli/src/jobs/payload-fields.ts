/**
 * Field checks for job payloads: each names the job kind and the field on failure.
 *
 * @packageDocumentation
 */
import { isAbsolute } from 'node:path';
import { describeValue, JobPayloadError } from '@rfm/queue';

/** A payload seen as a record, with checked getters. */
export class PayloadFields {
  private readonly record: Record<string, unknown>;

  /**
   * @param kind - job kind (for messages)
   * @param payload - the delivered payload
   * @throws `JobPayloadError` when it is not an object
   */
  constructor(
    private readonly kind: string,
    payload: unknown,
  ) {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new JobPayloadError(kind, `payload is ${describeValue(payload)}, expected an object`);
    this.record = payload as Record<string, unknown>;
  }

  /** An absolute path. */
  path(name: string): string {
    const v = this.record[name];
    if (typeof v !== 'string' || !isAbsolute(v)) throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected an absolute path`);
    return v;
  }

  /** A whole number in [min, max]. */
  int(name: string, min: number, max: number): number {
    const v = this.record[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected a whole number in [${min}, ${max}]`);
    return v;
  }

  /** A number in [min, max]. */
  number(name: string, min: number, max: number): number {
    const v = this.record[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected a number in [${min}, ${max}]`);
    return v;
  }

  /** A non-empty string. */
  string(name: string): string {
    const v = this.record[name];
    if (typeof v !== 'string' || v === '') throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected a non-empty string`);
    return v;
  }

  /** One of `choices`. */
  choice<T extends string>(name: string, choices: readonly T[]): T {
    const v = this.record[name];
    if (typeof v !== 'string' || !choices.includes(v as T)) throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected one of ${choices.join(', ')}`);
    return v as T;
  }

  /** A boolean. */
  bool(name: string): boolean {
    const v = this.record[name];
    if (typeof v !== 'boolean') throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected true or false`);
    return v;
  }

  /** An object (checked further by the caller). */
  object(name: string): Record<string, unknown> {
    const v = this.record[name];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new JobPayloadError(this.kind, `field "${name}" is ${describeValue(v)}, expected an object`);
    return v as Record<string, unknown>;
  }

  /** Fails naming a field the checks above cannot express. */
  fail(problem: string): never {
    throw new JobPayloadError(this.kind, problem);
  }
}
