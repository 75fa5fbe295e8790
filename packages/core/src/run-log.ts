/**
 * The JSON-lines run log: one JSON object per line (config, seed, versions, dataset hash, every
 * evaluation, the end of the run). Appending keeps earlier lines intact when a run resumes.
 *
 * @packageDocumentation
 */
import { dirname } from 'node:path';
import { appendFileChecked, ensureOutputDir } from './atomic-write.js';

/** One record of the run log. `type` says what it is (`config`, `eval`, `checkpoint`, `end`...). */
export interface RunLogRecord {
  /** Record kind. */
  readonly type: string;
  /** Any JSON fields. */
  readonly [field: string]: unknown;
}

/** Where run records go. */
export interface RunLog {
  /** Appends one record (a `time` field is added). */
  write(record: RunLogRecord): void;
}

/** A run log kept in memory (tests, library use without a run directory). */
export class MemoryRunLog implements RunLog {
  /** Every record written so far. */
  readonly records: RunLogRecord[] = [];

  write(record: RunLogRecord): void {
    this.records.push({ time: new Date().toISOString(), ...record });
  }
}

/** A run log appended to a `.jsonl` file, one `appendFileSync` per record so a crash loses at most the line being written. */
export class FileRunLog implements RunLog {
  /** @param path - the `.jsonl` file; parent folders are created */
  constructor(readonly path: string) {
    ensureOutputDir(dirname(path));
  }

  write(record: RunLogRecord): void {
    appendFileChecked(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}
