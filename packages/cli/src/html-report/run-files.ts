/**
 * Readers of the files a run folder holds (`rfm train --out RUN_DIR`) and of `comparison.json`
 * (`rfm compare --out DIR`), typed as the report reads them.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, type BestScore } from '@rfm/core';
import { parseScoresCsv, type ScoredSample, type TechniqueEvaluation } from '@rfm/metrics';
import type { TrainConfig } from '../train-config.js';
import type { TechniqueResult } from '../technique-results.js';
import type { Interval } from './report-model.js';

/** `RUN_DIR/metrics.json`. */
export interface RunMetricsFile {
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Test-split evaluation of the best model. */
  readonly test: TechniqueEvaluation;
  /** Backend the run trained on. */
  readonly backend?: string;
  /** Iterations done. */
  readonly iterations?: number;
}

/** The `config` record of `RUN_DIR/run.jsonl` (what the report uses of it). */
export interface RunLogConfigRecord {
  /** Backend name. */
  readonly backend?: string;
  /** One line on the backend and why it was chosen. */
  readonly backendSummary?: string;
  /** Package and runtime versions. */
  readonly versions?: Record<string, string>;
  /** Dataset facts. */
  readonly dataset?: { readonly source?: string; readonly hash?: string; readonly items?: number };
}

/** One method (and seed) of `comparison.json` (schema 1 fields, plus the optional schema 2 ones). */
export interface ComparisonMethodEntry {
  /** Erasing method (`none` = baseline). */
  readonly method: string;
  /** Training seed (schema 2). */
  readonly seed?: number;
  /** Run folder relative to the comparison folder (schema 2; default: the method name). */
  readonly run?: string;
  /** Best validation score. */
  readonly best: BestScore | null;
  /** Test evaluation of the best model. */
  readonly test?: TechniqueEvaluation;
  /** Wall time, ms. */
  readonly ms?: number;
  /** 95 % bootstrap intervals over test images (schema 2). */
  readonly ci95?: { readonly auc?: Interval; readonly ap?: Interval };
  /** Paired difference to the baseline (schema 2; absent for the baseline). */
  readonly diffToBaseline?: { readonly auc?: number; readonly ci95?: Interval; readonly ap?: number; readonly apCi95?: Interval };
  /** Each fake technique against all test reals (written when the test split holds several fake techniques). */
  readonly techniques?: readonly TechniqueResult[];
}

/** `DIR/comparison.json` as written by `rfm compare`. */
export interface ComparisonFile {
  /** 2 from the version that adds intervals; absent before. */
  readonly schema?: number;
  /** The shared run configuration (without `augment`). */
  readonly config: TrainConfig;
  /** Method the differences are taken against. */
  readonly baseline?: string;
  /** Backend name. */
  readonly backend?: string;
  /** Package and runtime versions. */
  readonly versions?: Record<string, string>;
  /** SHA-256 of the dataset content. */
  readonly dataHash?: string;
  /** One entry per method and seed. */
  readonly methods: readonly ComparisonMethodEntry[];
  /** Across-seeds summaries (with several seeds). */
  readonly seeds?: readonly {
    readonly method: string;
    readonly n: number;
    readonly auc?: { readonly mean: number; readonly std: number };
    readonly diffToBaseline?: { readonly mean: number; readonly std: number };
  }[];
}

function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new CheckpointError(`Cannot write the report: ${path} is missing (${what}).`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new CheckpointError(`Cannot write the report: ${path} is not valid JSON (${(e as Error).message}).`, { cause: e });
  }
}

/** Reads `RUN_DIR/metrics.json`. @throws `CheckpointError` naming the file when it is missing or invalid */
export function readRunMetrics(runDir: string): RunMetricsFile {
  return readJson<RunMetricsFile>(join(runDir, 'metrics.json'), 'written by rfm train at the end of a run');
}

/** Reads `DIR/comparison.json`. @throws `CheckpointError` naming the file when it is missing or invalid */
export function readComparison(dir: string): ComparisonFile {
  return readJson<ComparisonFile>(join(dir, 'comparison.json'), 'written by rfm compare at the end');
}

/** Reads `RUN_DIR/test-scores.csv`. @throws `CheckpointError` when it is missing; `MetricsInputError` when malformed */
export function readTestScores(runDir: string): ScoredSample[] {
  const path = join(runDir, 'test-scores.csv');
  if (!existsSync(path)) throw new CheckpointError(`Cannot write the report: ${path} is missing (written by rfm train at the end of a run).`);
  return parseScoresCsv(readFileSync(path, 'utf8'), { source: path });
}

/** The first `config` record of `RUN_DIR/run.jsonl`, or an empty record when there is none. */
export function readRunLogConfig(runDir: string): RunLogConfigRecord {
  const path = join(runDir, 'run.jsonl');
  if (!existsSync(path)) return {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as RunLogConfigRecord & { type?: string };
      if (record.type === 'config') return record;
    } catch {
      // a torn last line (killed run) is not a config record
    }
  }
  return {};
}
