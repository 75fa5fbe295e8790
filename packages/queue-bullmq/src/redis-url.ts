/**
 * Parsing of `--queue redis://HOST:PORT[/DB]` addresses.
 *
 * @packageDocumentation
 */
import { QueueUrlError } from '@rfm/queue';

/** Where the Redis server is. */
export interface RedisAddress {
  /** Host name or IP. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Database number (default 0). */
  readonly db: number;
  /** Password (from `redis://:PASSWORD@HOST:PORT`), if any. */
  readonly password?: string;
}

/**
 * Parses a Redis address.
 *
 * @param url - `redis://HOST:PORT` or `redis://HOST:PORT/DB` (`:PASSWORD@` allowed)
 * @throws `QueueUrlError` (code `RFM_QUEUE_URL`) for anything else
 */
export function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(url, 'not a URL');
  }
  if (u.protocol !== 'redis:') throw new QueueUrlError(url, `protocol ${u.protocol} is not supported`);
  if (u.hostname === '') throw new QueueUrlError(url, 'no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new QueueUrlError(url, `database "${dbText}" is not a number >= 0`);
  return { host: u.hostname, port, db, ...(u.password ? { password: decodeURIComponent(u.password) } : {}) };
}
