/**
 * Loading the detector of a run folder written by `rfm train`.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError, loadBackbone, recoverDir, type LayersBackbone } from '@rfm/core';
import '@rfm/models';
import { recoverRunDir } from './run-folder.js';
import { readTrainConfig, type TrainConfig } from './train-config.js';

/** A loaded run. */
export interface RunModel {
  /** The best model of the run (on validation). */
  readonly backbone: LayersBackbone;
  /** The run folder. */
  readonly runDir: string;
  /** The configuration the run was trained with, when `config.json` exists. */
  readonly config: TrainConfig | undefined;
}

/**
 * Loads `RUN_DIR/model` (or a model folder given directly).
 *
 * @param runDir - a folder written by `rfm train --out RUN_DIR`, or its `model/` sub-folder
 * @throws `CheckpointError` (from `@rfm/core`) naming the folder when no model is found
 */
export async function loadRunModel(runDir: string): Promise<RunModel> {
  const dir = resolve(runDir);
  // Repair an interrupted save of the run (or of the model folder given directly) first.
  recoverRunDir(dir);
  recoverDir(dir);
  const modelDir = existsSync(join(dir, 'model', 'model.json')) ? join(dir, 'model') : dir;
  if (!existsSync(join(modelDir, 'model.json'))) {
    throw new CheckpointError(`No model in ${dir}: expected ${join(dir, 'model', 'model.json')}. Pass the --out folder of rfm train.`);
  }
  const backbone = await loadBackbone(modelDir);
  const runRoot = modelDir === dir ? resolve(dir, '..') : dir;
  const configPath = join(runRoot, 'config.json');
  const config = existsSync(configPath) ? readTrainConfig(runRoot) : undefined;
  return { backbone, runDir: runRoot, config };
}
