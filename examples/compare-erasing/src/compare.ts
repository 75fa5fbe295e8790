/**
 * Trains one `small` detector per erasing setup on the same split, from the same initial weights
 * and seed, scores each final model on the test split, and gives each setup's AUC difference to
 * the plain baseline with a paired bootstrap interval over the same test images. A composition
 * root: the plugins are chosen here, in the per-run child container, and nowhere else.
 */
import { registerRandomErasing } from '@rfm/augment-re';
import { registerSfe } from '@rfm/augment-sfe';
import { createRng, createRunContainer, createSmallBackbone, predict, Trainer, type Backbone } from '@rfm/core';
import { createBalancedSource, createEvalSource, loadDataset, splitDataset } from '@rfm/data';
import { computeMetrics, pairedBootstrapDifference, rocAuc, type BootstrapInterval, type MetricsReport } from '@rfm/metrics';
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
  /** Input side; images are resized to `resize` (default: `size`, no crop) and cropped to it. */
  readonly size: number;
  readonly resize?: number;
  /** Separable blocks of the `small` backbone (the quick preset uses 4). */
  readonly depth?: number;
  readonly iterations: number;
  /** Adam learning rate (the quick preset uses 1e-3). */
  readonly learningRate?: number;
  readonly seed: number;
  readonly setups?: readonly Setup[];
  /** Called per setup; `difference` is AUC(setup) − AUC(none) with its 95 % paired bootstrap interval. */
  readonly onResult?: (name: string, report: MetricsReport, difference?: BootstrapInterval) => void;
}

/** Runs every setup and returns the test metrics of each. */
export async function compareErasing(o: CompareOptions): Promise<Record<string, MetricsReport>> {
  const dataset = await loadDataset(o.data);
  const splits = splitDataset(dataset, { seed: 0 });
  const transform = { resize: o.resize ?? o.size, crop: o.size };
  const test = await createEvalSource(splits.test, { transform });
  const results: Record<string, MetricsReport> = {};
  let baseline: readonly number[] | undefined;
  for (const setup of o.setups ?? SETUPS) {
    // Same seed for every setup: same initial weights, same batches, same crops.
    const rng = createRng(o.seed);
    const backbone: Backbone = createSmallBackbone({ inputSize: o.size, depth: o.depth ?? 4 }, rng.fork());
    const run = createRunContainer({
      backbone,
      batches: await createBalancedSource(splits.train, rng.fork(), { transform }),
      validation: await createEvalSource(splits.validation, { transform }),
      rng: rng.fork(),
      options: { iterations: o.iterations, evalEvery: Math.max(1, Math.floor(o.iterations / 4)), learningRate: o.learningRate ?? 1e-3 },
    });
    setup.register(run);
    await run.resolve(Trainer).run();
    // Without a run folder the trainer keeps the final weights; score them on the test split.
    const p = await predict(backbone, test, 32);
    results[setup.name] = computeMetrics(p.labels, p.scores);
    if (setup.name === 'none') baseline = p.scores;
    const difference =
      baseline && setup.name !== 'none'
        ? pairedBootstrapDifference(p.labels, p.scores, baseline, rocAuc, { rng: createRng(1), resamples: 1000 })
        : undefined;
    o.onResult?.(setup.name, results[setup.name]!, difference);
    backbone.dispose();
  }
  return results;
}
