/**
 * `rfm compare --queue URL`: one `train-run` job per (method, seed, option values, budget) of an
 * experiment; job ids derive from the resolved run configuration, so submitting the same grid
 * again adds nothing and resumes it. The report gathers every finished run from its folder and
 * lists the missing ones.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '@rfm/backend';
import type { JobQueue, SubmitResult } from '@rfm/queue';
import type { CliIO } from '../command.js';
import { experimentRun, type CompareConfig } from '../compare-config.js';
import type { FinishedRun } from '../comparison.js';
import { finishedRun, TRAIN_RUN_KIND, type TrainRunPayload } from './train-run-job.js';

/** One run of a grid. */
export interface GridRun {
  /** Method name. */
  readonly method: string;
  /** Training seed. */
  readonly seed: number;
  /** Training budget (iterations). */
  readonly iterations: number;
  /** Folder relative to the comparison folder. */
  readonly run: string;
  /** The job payload. */
  readonly payload: TrainRunPayload;
}

/** A run the report could not include, and why. */
export interface MissingRun {
  /** Method name. */
  readonly method: string;
  /** Training seed. */
  readonly seed: number;
  /** Training budget (iterations). */
  readonly iterations: number;
  /** Folder relative to the comparison folder. */
  readonly run: string;
  /** Failure reason or state. */
  readonly reason: string;
}

/**
 * The runs of an experiment: one per (budget, seed, method), in that order. With one budget a run's
 * folder is `METHOD` (or `METHOD/seed-S`), as on one machine. A sweep's budgets become independent
 * runs in `METHOD[/seed-S]/iterations-N` (on one machine a sweep extends one run by resume, a chain
 * that does not fan out; a run of N iterations equals the resumed one, since budgets are multiples
 * of the validation interval).
 *
 * @param config - the resolved experiment
 * @param out - comparison folder (absolute)
 * @param backend - backend the workers use
 */
export function gridRuns(config: CompareConfig, out: string, backend: BackendChoice): GridRun[] {
  const sweep = config.budgets.length > 1;
  return config.budgets.flatMap((iterations) =>
    config.seeds.flatMap((seed) =>
      config.methods.map((method) => {
        const { run: base, train } = experimentRun(config, method, seed, iterations);
        const run = sweep ? `${base}/iterations-${iterations}` : base;
        return { method: method.name, seed, iterations, run, payload: { config: train, out: join(out, run), backend } };
      }),
    ),
  );
}

/**
 * A finished run read back from its folder (metrics.json, test-scores.csv, job-done.json), or
 * undefined when the folder holds no finished run of this configuration.
 *
 * @param r - the grid run
 */
export function readFinishedRun(r: GridRun): { run: FinishedRun; dataHash: string } | undefined {
  const done = finishedRun(r.payload.out, r.payload.config);
  if (!done) return undefined;
  const metrics = JSON.parse(readFileSync(join(r.payload.out, 'metrics.json'), 'utf8')) as Pick<FinishedRun, 'best' | 'test'>;
  const csv = readTestScores(join(r.payload.out, 'test-scores.csv'));
  const logFile = join(r.payload.out, 'run.jsonl');
  const first = existsSync(logFile) ? (JSON.parse(readFileSync(logFile, 'utf8').split('\n')[0] ?? '{}') as { dataset?: { hash?: string } }) : {};
  return {
    run: {
      method: r.method,
      seed: r.seed,
      run: r.run,
      best: metrics.best,
      test: metrics.test,
      ms: done.ms,
      scores: { ids: csv.map((s) => s.id), labels: csv.map((s) => s.label), scores: csv.map((s) => s.score), techniques: csv.map((s) => s.technique) },
    },
    dataHash: first.dataset?.hash ?? '',
  };
}

/**
 * Submits the grid, waits for every job to finish or fail for good, and gathers the runs.
 *
 * @param queue - where the jobs run
 * @param runs - from {@link gridRuns}
 * @param io - progress lines
 */
export async function runGridOnQueue(
  queue: JobQueue,
  runs: readonly GridRun[],
  io: CliIO,
): Promise<{ submitted: SubmitResult; finished: FinishedRun[]; missing: MissingRun[]; dataHash: string }> {
  const submitted = await queue.submit(runs.map((r) => ({ kind: TRAIN_RUN_KIND, payload: r.payload })));
  io.err(`compare: ${runs.length} run(s) on the queue: ${submitted.added} new job(s), ${submitted.existing} already queued or done\n`);
  const outcomes = await queue.wait(submitted.ids, { onProgress: (done, total) => io.err(`compare: ${done}/${total} run(s) finished\n`) });
  const finished: FinishedRun[] = [];
  const missing: MissingRun[] = [];
  let dataHash = '';
  for (const [i, r] of runs.entries()) {
    const o = outcomes[i]!;
    const read = o.state === 'completed' ? readFinishedRun(r) : undefined;
    if (read) {
      finished.push(read.run);
      dataHash = read.dataHash || dataHash;
    } else {
      missing.push({ method: r.method, seed: r.seed, iterations: r.iterations, run: r.run, reason: o.state === 'failed' ? o.reason : `the job finished but ${r.payload.out} holds no finished run (workers must share this path)` });
    }
  }
  return { submitted, finished, missing, dataHash };
}

/** Rows of a run's `test-scores.csv` (`id,label,score,logit_gap,technique`; ids may hold commas). */
function readTestScores(file: string): { id: string; label: 0 | 1; score: number; technique: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((line) => {
      const tail = line.split(',').slice(-4);
      return { id: line.slice(0, line.length - tail.join(',').length - 1), label: Number(tail[0]) as 0 | 1, score: Number(tail[1]), technique: tail[3]! };
    });
}
