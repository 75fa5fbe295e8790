/**
 * Which items `rfm eval` scores: the whole dataset, or one split of the run it evaluates (same split
 * seed and fractions as the run). Shared by the single-process and the sharded evaluation.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { splitDataset, type Dataset, type DatasetItem } from '@rfm/data';
import { CliUsageError } from './command.js';
import type { TrainConfig } from './train-config.js';

/** Splits `rfm eval --split` accepts. */
export const EVAL_SPLITS = ['all', 'train', 'validation', 'test'] as const;

/** One of {@link EVAL_SPLITS}. */
export type EvalSplit = (typeof EVAL_SPLITS)[number];

/**
 * The split to score and its items.
 *
 * @param dataset - the loaded dataset
 * @param data - its resolved path
 * @param run - the run folder and its configuration (when it has `config.json`)
 * @param splitFlag - `--split` (default: `test` when `data` is the run's training data, else `all`)
 * @throws {@link CliUsageError} when a split is asked for without the run's configuration
 */
export function selectEvalItems(
  dataset: Dataset,
  data: string,
  run: { readonly runDir: string; readonly config: TrainConfig | undefined },
  splitFlag: EvalSplit | undefined,
): { split: EvalSplit; items: readonly DatasetItem[] } {
  const sameData = run.config !== undefined && resolve(run.config.data) === data;
  const split = splitFlag ?? (sameData ? 'test' : 'all');
  if (split === 'all') return { split, items: dataset.items };
  if (!run.config) throw new CliUsageError(`eval: --split ${split} needs ${run.runDir}/config.json (the run's split settings)`);
  const c = run.config;
  const splits = splitDataset(dataset, {
    seed: c.split.seed,
    fractions: { train: 1 - c.split.validation - c.split.test, validation: c.split.validation, test: c.split.test },
  });
  return { split, items: splits[split] };
}
