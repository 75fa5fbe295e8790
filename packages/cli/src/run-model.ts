/**
 * Loading the detector of a run folder written by `rfm train`.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError, loadBackbone, type LayersBackbone } from '@rfm/core';
import { registerModelLayers } from '@rfm/models';
import type { TrainConfig } from './train-config.js';

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
  const modelDir = existsSync(join(dir, 'model', 'model.json')) ? join(dir, 'model') : dir;
  if (!existsSync(join(modelDir, 'model.json'))) {
    throw new CheckpointError(`No model in ${dir}: expected ${join(dir, 'model', 'model.json')}. Pass the --out folder of rfm train.`);
  }
  registerModelLayers();
  const backbone = await loadBackbone(modelDir);
  const runRoot = modelDir === dir ? resolve(dir, '..') : dir;
  const configPath = join(runRoot, 'config.json');
  const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as TrainConfig) : undefined;
  return { backbone, runDir: runRoot, config };
}
