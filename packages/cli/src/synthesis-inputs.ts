/**
 * What `rfm synth` and `rfm less-forgery` share: the backend, the dataset's images and a face
 * detector to start with, and one line per faceless image to end with.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { type DatasetItem, loadDataset } from '@rfm/data';
import { FaceDetector } from '@rfm/faces';
import type { FacelessImage } from '@rfm/synth';
import { startBackend } from './backend-flag.js';
import type { CliIO } from './command.js';
import type { Flags } from './flags.js';

/** The inputs of a synthesis command. */
export interface SynthesisInputs {
  /** Absolute output folder (`--out`). */
  readonly out: string;
  /** The images of `--data`. */
  readonly items: readonly DatasetItem[];
  /** The face detector that finds the landmarks. */
  readonly detector: FaceDetector;
}

/**
 * Resolves `--data` and `--out`, starts the backend, loads the dataset and the face detector.
 *
 * @param f - the command's parsed flags (with `data`, `out` and `backend`)
 * @param io - where the backend line goes
 */
export async function openSynthesisInputs(f: Flags, io: CliIO): Promise<SynthesisInputs> {
  const data = resolve(f.required('data'));
  const out = resolve(f.required('out'));
  await startBackend(f, io);
  const dataset = await loadDataset(data);
  return { out, items: dataset.items, detector: await FaceDetector.create() };
}

/**
 * Prints one line per image that was skipped for having no detected face.
 *
 * @param command - the command name that starts each line
 * @param faceless - the skipped images
 * @param io - standard error receives the lines
 */
export function reportFaceless(command: string, faceless: readonly FacelessImage[], io: CliIO): void {
  for (const f of faceless) io.err(`${command}: skipped ${f.id}: ${f.reason}\n`);
}
