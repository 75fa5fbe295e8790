/**
 * The flags that choose and shape a backbone (`--backbone`, `--size`, `--width`, `--cut`,
 * `--patch-score`), shared by `train`, `compare`, `info` and `erase`.
 *
 * @packageDocumentation
 */
import type { BackboneFactoryOptions } from '@rfm/core';
import { backboneNames, PATCH_MAX_CUT, PATCH_MIN_INPUT_SIZE, XCEPTION_MIN_INPUT_SIZE } from '@rfm/models';
import { CliUsageError } from './command.js';
import type { Flags, FlagSpec } from './flags.js';

/** Smallest `--size` (the patch backbone alone would accept `PATCH_MIN_INPUT_SIZE`). */
const SIZE_MIN = Math.max(16, PATCH_MIN_INPUT_SIZE);
/** Largest `--size`. */
const SIZE_MAX = 4096;

/** The patch backbone's per-patch score rules. */
const PATCH_SCORES = ['after-softmax', 'before-softmax', 'vote'] as const;

/**
 * The backbone flags.
 *
 * @param backboneNote - an extra help line under `--backbone` (e.g. its default), if any
 */
export function backboneFlags(backboneNote?: string): FlagSpec[] {
  const names = backboneNames();
  return [
    { name: 'backbone', kind: 'choice', value: 'NAME', choices: names, help: `${names.join(' | ')}${backboneNote ? `\n${backboneNote}` : ''}` },
    {
      name: 'size',
      kind: 'int',
      value: 'N',
      min: SIZE_MIN,
      max: SIZE_MAX,
      help: `input side in pixels, ${SIZE_MIN}..${SIZE_MAX} (xception needs >= ${XCEPTION_MIN_INPUT_SIZE}; patch accepts any)`,
    },
    { name: 'width', kind: 'number', value: 'W', min: 1e-3, max: 4, help: 'channel width multiplier of xception/patch, e.g. 0.25 for CPU runs (default 1)' },
    {
      name: 'cut',
      kind: 'int',
      value: 'K',
      min: 1,
      max: PATCH_MAX_CUT,
      help: `patch: cut Xception after block K = 1..${PATCH_MAX_CUT} (default 2; receptive field 19/43/91/187/283 px)`,
    },
    { name: 'patch-score', kind: 'choice', value: 'S', choices: PATCH_SCORES, help: 'patch: after-softmax (default) | before-softmax | vote' },
  ];
}

/** Names of the backbone flags. */
export const BACKBONE_FLAG_NAMES: readonly string[] = ['backbone', 'size', 'width', 'cut', 'patch-score'];

/** A backbone choice: registry name plus factory options. */
export interface BackboneChoice {
  /** Registry name. */
  readonly name: string;
  /** Factory options (inputSize always set). */
  readonly options: BackboneFactoryOptions & { inputSize: number };
}

/**
 * Reads the backbone flags (validated by the table) and checks that they fit the backbone.
 *
 * @param f - parsed flags of a command whose table includes {@link backboneFlags}
 * @param defaults - backbone and size when the flags are absent
 */
export function readBackboneFlags(f: Flags, defaults: { backbone: string; size: number }): BackboneChoice {
  const name = f.string('backbone') ?? defaults.backbone;
  const options: Record<string, unknown> = { inputSize: f.number('size') ?? defaults.size };
  const width = f.number('width');
  const cut = f.number('cut');
  const patchScore = f.string('patch-score');
  if (width !== undefined) {
    if (name === 'small') throw new CliUsageError(`${f.command}: --width applies to xception and patch, not to small`);
    options.widthMultiplier = width;
  }
  if (cut !== undefined || patchScore !== undefined) {
    if (name !== 'patch') throw new CliUsageError(`${f.command}: --cut and --patch-score apply to --backbone patch only`);
    if (cut !== undefined) options.cut = cut;
    if (patchScore !== undefined) options.patchScore = patchScore;
  }
  return { name, options: options as BackboneChoice['options'] };
}
