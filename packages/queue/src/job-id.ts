/**
 * Content-addressed job ids: the id is a hash of the job's kind and its resolved payload, so
 * submitting the same job twice names the same job (and the queue keeps one).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal values give equal text whatever the key
 * order they were built with.
 *
 * @param value - a JSON value (objects, arrays, strings, finite numbers, booleans, null)
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The id of a job: `<kind>-<first 32 hex digits of sha256(kind + canonical payload)>`.
 *
 * @param kind - job kind, e.g. `score-shard`
 * @param payload - the resolved payload
 */
export function jobId(kind: string, payload: unknown): string {
  const hash = createHash('sha256').update(kind).update('\n').update(canonicalJson(payload)).digest('hex');
  return `${kind}-${hash.slice(0, 32)}`;
}
