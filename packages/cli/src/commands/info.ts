/**
 * `rfm info`: parameter counts, shapes and multiply-adds of a backbone.
 *
 * @packageDocumentation
 */
import { createRng } from '@rfm/core';
import { createBackbone, describeBackbone } from '@rfm/models';
import { backboneFlags, readBackboneFlags } from '../backbone-flags.js';
import { startBackend } from '../backend-flag.js';
import type { CliCommand } from '../command.js';
import { commandHelp, parseFlags, type FlagSpec } from '../flags.js';

/** Flags of `rfm info`. */
export const INFO_FLAGS: readonly FlagSpec[] = [...backboneFlags('(default: xception at 224)'), { name: 'json', kind: 'boolean', help: 'print JSON' }];

const HELP = commandHelp(
  'Usage: rfm info --backbone NAME [--size N] [--width W] [--cut K] [--json]',
  `Builds the backbone (random weights, nothing is trained or downloaded) and prints its trainable and
total parameter counts (total includes batch-norm moving statistics), the per-image shapes of its
logits and of the feature map its classifier reads, and the multiply-adds of one image's forward
pass (what rfm train and rfm compare weigh to choose TensorFlow's thread count).`,
  INFO_FLAGS,
  `Examples:
  rfm info --backbone xception --size 224          # 20,811,050 trainable parameters
  rfm info --backbone patch --cut 2 --size 224 --json`,
);

/** The `info` command. */
export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'parameter counts, output/feature shapes and multiply-adds of a backbone',
  help: HELP,
  flags: INFO_FLAGS,
  async run(args, io) {
    const f = parseFlags('info', args, INFO_FLAGS);
    const choice = readBackboneFlags(f, { backbone: 'xception', size: 224 });
    // Building weights needs a backend; the cpu backend starts instantly and is enough here.
    await startBackend(f, { ...io, err: () => {} }, 'cpu');
    const backbone = createBackbone(choice.name, choice.options, createRng(0));
    try {
      const d = describeBackbone(backbone);
      if (f.bool('json')) {
        io.out(`${JSON.stringify({ ...d, options: backbone.config.options }, null, 2)}\n`);
        return;
      }
      const n = (x: number) => x.toLocaleString('en-US');
      io.out(
        [
          `backbone         ${d.name} ${JSON.stringify(backbone.config.options)}`,
          `input            ${d.inputSize}x${d.inputSize}x3`,
          `output           ${d.outputKind} logits [${d.outputShape.join(', ')}]`,
          `feature map      [${d.featureShape.join(', ')}]`,
          `trainable params ${n(d.trainableParams)}`,
          `total params     ${n(d.totalParams)} (with batch-norm moving statistics)`,
          `multiply-adds    ${n(d.multiplyAdds)} per image, forward (${(d.multiplyAdds / 1e9).toPrecision(3)} G)`,
          '',
        ].join('\n'),
      );
    } finally {
      backbone.dispose();
    }
  },
};
