/**
 * Trains one `small` detector per erasing setup on the same split, from the same initial weights
 * and seed, and scores each best-on-validation model on the test split. A composition root: the
 * plugins are chosen here, in the per-run child container, and nowhere else.
 */
import { registerRandomErasing } from '@rfm/augment-re';
import { registerSfe } from '@rfm/augment-sfe';
import { createRng, createRunContainer, createSmallBackbone, predict, Trainer, type Backbone } from '@rfm/core';
import { createBalancedSource, createEvalSource, loadDataset, splitDataset } from '@rfm/data';
import { computeMetrics, type MetricsReport } from '@rfm/metrics';
import type { DependencyContainer } from 'tsyringe';

/** One erasing setup: a name and how to register its plugins on a run container. */
export interface Setup {
  readonly name: string;
  readonly register: (container: DependencyContainer) => void;
}

/** The setups compared by default: the plain baseline, RFM's SFE and Random Erasing. */
export const SETUPS: readonly Setup[] = [
  { name: 'none', register: () => {} },
  { name: 'sfe', register: (c) => registerSfe(c, { maxHeight: 120 / 224, maxWidth: 120 / 224 }) },
  { name: 're', register: (c) => registerRandomErasing(c) },
];

/** Options of {@link compareErasing}. */
export interface CompareOptions {
  readonly data: string;
  readonly size: number;
  readonly iterations: number;
  readonly seed: number;
  readonly setups?: readonly Setup[];
  readonly onResult?: (name: string, report: MetricsReport) => void;
}

/** Runs every setup and returns the test metrics of each. */
export async function compareErasing(o: CompareOptions): Promise<Record<string, MetricsReport>> {
  const dataset = await loadDataset(o.data);
  const splits = splitDataset(dataset, { seed: 0 });
  const transform = { resize: Math.round((o.size * 256) / 224), crop: o.size };
  const test = await createEvalSource(splits.test, { transform });
  const results: Record<string, MetricsReport> = {};
  for (const setup of o.setups ?? SETUPS) {
    // Same seed for every setup: same initial weights, same batches, same crops.
    const rng = createRng(o.seed);
    const backbone: Backbone = createSmallBackbone({ inputSize: o.size }, rng.fork());
    const run = createRunContainer({
      backbone,
      batches: await createBalancedSource(splits.train, rng.fork(), { transform }),
      validation: await createEvalSource(splits.validation, { transform }),
      rng: rng.fork(),
      options: { iterations: o.iterations, evalEvery: Math.max(1, Math.floor(o.iterations / 4)), learningRate: 2e-4 },
    });
    setup.register(run);
    await run.resolve(Trainer).run();
    // Without a run folder the trainer keeps the final weights; score them on the test split.
    const p = await predict(backbone, test, 32);
    results[setup.name] = computeMetrics(p.labels, p.scores);
    o.onResult?.(setup.name, results[setup.name]!);
    backbone.dispose();
  }
  return results;
}
