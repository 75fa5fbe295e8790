/**
 * The command table of `rfm`, in the order `rfm --help` lists them.
 *
 * @packageDocumentation
 */
import type { CliCommand } from '../command.js';
import { backendCommand } from './backend.js';
import { compareCommand } from './compare.js';
import { eraseCommand } from './erase.js';
import { evalCommand } from './eval.js';
import { famCommand } from './fam.js';
import { infoCommand } from './info.js';
import { metricsCommand } from './metrics.js';
import { predictCommand } from './predict.js';
import { prepareCommand } from './prepare.js';
import { queueCommand } from './queue.js';
import { trainCommand } from './train.js';
import { workerCommand } from './worker.js';
import { synthCommand } from './synth.js';
import { lessForgeryCommand } from './less-forgery.js';

/** Every sub-command. */
export const COMMANDS: readonly CliCommand[] = [
  prepareCommand,
  trainCommand,
  compareCommand,
  evalCommand,
  predictCommand,
  metricsCommand, infoCommand, eraseCommand, famCommand, backendCommand,
  synthCommand,
  lessForgeryCommand,
  workerCommand,
  queueCommand,
];
