/**
 * The files of a run folder (`rfm train --out RUN_DIR`) and its repair after a crash.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { recoverDir } from '@rfm/core';

/** Files and folders of a run folder that mark it as holding a run. */
export const RUN_MARKERS = ['checkpoint', 'model', 'run.jsonl', 'config.json'] as const;

/**
 * Repairs the swapped folders of a run (an interrupted save of `model/` or `checkpoint/`, temporary
 * folders of a killed process) with core's one recovery routine, and says which run files exist.
 * Every command that reads or writes a run folder calls it first (train, train --resume, eval, fam,
 * erase).
 *
 * @param runDir - the run folder
 * @returns the run files present after repair
 */
export function recoverRunDir(runDir: string): string[] {
  recoverDir(join(runDir, 'checkpoint'));
  recoverDir(join(runDir, 'model'));
  return RUN_MARKERS.filter((m) => existsSync(join(runDir, m)));
}
