/**
 * The model of a worker process: loaded once and kept for the next job that scores with the same
 * run (the shards of one evaluation or prediction pay the load once per process).
 *
 * @packageDocumentation
 */
import { loadRunModel, type RunModel } from '../run-model.js';

let cachedModel: { dir: string; run: Promise<RunModel> } | undefined;

/**
 * The run's model, loaded once per worker process (the last one asked for stays loaded; the one
 * before is disposed).
 *
 * @param dir - run folder (or its model/ folder)
 */
export async function workerModel(dir: string): Promise<RunModel> {
  if (cachedModel?.dir !== dir) {
    const previous = cachedModel;
    cachedModel = { dir, run: loadRunModel(dir) };
    if (previous) (await previous.run.catch(() => undefined))?.backbone.dispose();
  }
  return cachedModel.run;
}
