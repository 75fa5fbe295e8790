/**
 * Minimal structured logger used by the trainer and plugins.
 *
 * @packageDocumentation
 */

/** Extra structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger. Implementations decide where lines go. */
export interface Logger {
  /** Called for progress and results a user wants to see. */
  info(message: string, fields?: LogFields): void;
  /** Called when something is off but the run continues (a skipped file, a fallback). */
  warn(message: string, fields?: LogFields): void;
  /** Called for detail useful when debugging. */
  debug(message: string, fields?: LogFields): void;
  /** A logger whose lines are prefixed with `scope`. */
  child(scope: string): Logger;
}

/** A logger that drops everything (the default in library code and tests). */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/**
 * A logger writing `[scope] message {fields}` lines to stderr (info and warn; debug when `verbose`).
 *
 * @param scope - prefix of every line
 * @param verbose - also print debug lines
 */
export function createConsoleLogger(scope = 'rfm', verbose = false): Logger {
  const write = (level: string, message: string, fields?: LogFields): void => {
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`[${scope}]${level === 'info' ? '' : ` ${level}:`} ${message}${extra}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    debug: (m, f) => {
      if (verbose) write('debug', m, f);
    },
    child: (s) => createConsoleLogger(`${scope}:${s}`, verbose),
  };
}
