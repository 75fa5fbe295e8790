/**
 * The memory plan of a training run: the step's estimate for a backbone checked against the
 * active backend's budget, before any step runs.
 *
 * @packageDocumentation
 */
import type { Backbone } from './backbone.js';
import { estimateStepMemory, planMicroBatch, stepMemoryBudget, type MicroBatchPlan } from './step-memory.js';

/**
 * Plans the micro-batches of a run's steps on `backend` ({@link planMicroBatch} with the budget
 * of {@link stepMemoryBudget}).
 *
 * @param backbone - the network
 * @param batch - images per optimisation step
 * @param microBatch - `auto` or a fixed micro-batch
 * @param backend - `tf.getBackend()`
 * @throws {@link MemoryBudgetError} when the step cannot fit
 */
export function planTrainingMemory(
  backbone: Pick<Backbone, 'model' | 'countParams' | 'config'>,
  batch: number,
  microBatch: number | 'auto',
  backend: string,
): MicroBatchPlan {
  const { name, inputSize, options } = backbone.config;
  const width = typeof options.widthMultiplier === 'number' && options.widthMultiplier !== 1 ? ` width ${options.widthMultiplier}` : '';
  return planMicroBatch(estimateStepMemory(backbone), {
    batch,
    microBatch,
    budgetBytes: stepMemoryBudget(backend),
    backend,
    model: `${name}${width} at ${inputSize} px`,
  });
}
