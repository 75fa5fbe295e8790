/**
 * A progress bar on stderr: redrawn in place on a terminal, printed every few percent otherwise
 * (logs, CI).
 *
 * @packageDocumentation
 */
import type { CliIO } from './command.js';

/** Formats milliseconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** A progress reporter for `total` units of work. */
export class ProgressBar {
  private lastPrinted = -1;
  private readonly started = performance.now();

  /**
   * @param io - where to draw
   * @param label - prefix, e.g. `train`
   * @param total - units of work
   * @param width - bar width in characters
   */
  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    private readonly total: number,
    private readonly width = 24,
  ) {}

  /**
   * Reports `done` units and an optional status text (e.g. `loss 0.4312`).
   *
   * @param done - units completed
   * @param status - extra text
   * @param etaMs - remaining time if the caller knows it better than a linear estimate
   */
  update(done: number, status = '', etaMs?: number): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = performance.now() - this.started;
    const eta = etaMs ?? (done > 0 ? (elapsed / done) * (this.total - done) : Number.NaN);
    const filled = Math.round(fraction * this.width);
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (fraction < 1 ? '>' : '=') : ''}${' '.repeat(this.width - filled)}`;
    const line = `${this.label} [${bar}] ${done}/${this.total}${status ? ` ${status}` : ''} elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)}`;
    if (this.io.interactive) {
      this.io.err(`\r${line}\x1b[K`);
      if (done >= this.total) this.io.err('\n');
      return;
    }
    const percent = Math.floor(fraction * 10);
    if (percent !== this.lastPrinted || done >= this.total) {
      if (percent === this.lastPrinted && done < this.total) return;
      this.lastPrinted = percent;
      this.io.err(`${line}\n`);
    }
  }

  /** Ends the bar line on a terminal (call before printing anything else mid-run). */
  interrupt(): void {
    if (this.io.interactive) this.io.err('\n');
  }
}
