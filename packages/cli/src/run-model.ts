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
  const { modelDir, runRoot } = runFolders(runDir);
  const backbone = await loadBackbone(modelDir);
  return { backbone, ...readRunConfig(runRoot) };
}

/**
 * The model folder and the run folder of `runDir` (a run folder or its `model/` sub-folder).
 *
 * @param runDir - a folder written by `rfm train --out RUN_DIR`, or its `model/` sub-folder
 * @throws `CheckpointError` (from `@rfm/core`) naming the folder when no model is found
 */
export function runFolders(runDir: string): { modelDir: string; runRoot: string } {
  const dir = resolve(runDir);
  // Repair an interrupted save of the run (or of the model folder given directly) first.
  recoverRunDir(dir);
  recoverDir(dir);
  const modelDir = existsSync(join(dir, 'model', 'model.json')) ? join(dir, 'model') : dir;
  if (!existsSync(join(modelDir, 'model.json'))) {
    throw new CheckpointError(`No model in ${dir}: expected ${join(dir, 'model', 'model.json')}. Pass the --out folder of rfm train.`);
  }
  return { modelDir, runRoot: modelDir === dir ? resolve(dir, '..') : dir };
}

/**
 * The run folder and its configuration (`config.json`), without loading the model.
 *
 * @param runDir - a folder written by `rfm train --out RUN_DIR`, or its `model/` sub-folder
 */
export function readRunConfig(runDir: string): { runDir: string; config: TrainConfig | undefined } {
  const { runRoot } = runFolders(runDir);
  const configPath = join(runRoot, 'config.json');
  const config = existsSync(configPath) ? readTrainConfig(runRoot) : undefined;
  return { runDir: runRoot, config };
}
