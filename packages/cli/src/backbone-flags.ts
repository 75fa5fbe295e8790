/**
 * The flags that choose and shape a backbone (`--backbone`, `--size`, `--width`, `--cut`,
 * `--patch-score`), shared by `train`, `info` and `erase`.
 *
 * @packageDocumentation
 */
import type { BackboneFactoryOptions } from '@rfm/core';
import { backboneNames } from '@rfm/models';
import { choiceFlag, intFlag, numberFlag, optionalString, type OptionSpecs, type ParsedArgs } from './args.js';
import { CliUsageError } from './command.js';

/** parseArgs specs of the backbone flags. */
export const BACKBONE_FLAG_SPECS: OptionSpecs = {
  backbone: { type: 'string' },
  size: { type: 'string' },
  width: { type: 'string' },
  cut: { type: 'string' },
  'patch-score': { type: 'string' },
};

/** Help lines describing the backbone flags. */
export const BACKBONE_FLAG_HELP = `  --backbone NAME   small | xception | patch
  --size N          input side in pixels (xception and patch need >= 71)
  --width W         channel width multiplier of xception/patch, e.g. 0.25 for CPU runs (default 1)
  --cut K           patch: cut Xception after block K = 1..5 (default 2; receptive field 19/43/91/187/283 px)
  --patch-score S   patch: after-softmax (default) | before-softmax | vote`;

/** A backbone choice: registry name plus factory options. */
export interface BackboneChoice {
  /** Registry name. */
  readonly name: string;
  /** Factory options (inputSize always set). */
  readonly options: BackboneFactoryOptions & { inputSize: number };
}

/**
 * Reads the backbone flags.
 *
 * @param p - parsed arguments
 * @param command - command name for messages
 * @param defaults - backbone and size when the flags are absent
 */
export function readBackboneFlags(p: ParsedArgs, command: string, defaults: { backbone: string; size: number }): BackboneChoice {
  const name = optionalString(p, 'backbone') ?? defaults.backbone;
  const known = backboneNames();
  if (!known.includes(name)) throw new CliUsageError(`${command}: --backbone must be one of ${known.join(', ')}, got "${name}"`);
  const inputSize = intFlag(p, 'size', command, 16, 4096) ?? defaults.size;
  const options: Record<string, unknown> = { inputSize };
  const width = numberFlag(p, 'width', command, 1e-3, 4);
  const cut = intFlag(p, 'cut', command, 1, 5);
  const patchScore = choiceFlag(p, 'patch-score', command, ['after-softmax', 'before-softmax', 'vote'] as const);
  if (width !== undefined) {
    if (name === 'small') throw new CliUsageError(`${command}: --width applies to xception and patch, not to small`);
    options.widthMultiplier = width;
  }
  if (cut !== undefined || patchScore !== undefined) {
    if (name !== 'patch') throw new CliUsageError(`${command}: --cut and --patch-score apply to --backbone patch only`);
    if (cut !== undefined) options.cut = cut;
    if (patchScore !== undefined) options.patchScore = patchScore;
  }
  return { name, options: options as BackboneChoice['options'] };
}
