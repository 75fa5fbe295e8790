/**
 * The Markdown command reference (`docs/cli.md`), generated from the commands' own help texts so
 * the two never drift apart (a test compares them).
 *
 * @packageDocumentation
 */
import type { CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import { topLevelHelp } from './main.js';

/**
 * The reference document.
 *
 * @param commands - the command table
 */
export function cliReference(commands: readonly CliCommand[] = COMMANDS): string {
  const fence = (text: string) => `\`\`\`\n${text.endsWith('\n') ? text : `${text}\n`}\`\`\``;
  return [
    '# rfm command reference',
    '',
    'Generated from `rfm <command> --help` by `pnpm run docs:cli`; run `pnpm rfm <command> --help` from the repository, or `rfm <command> --help` once `@rfm/cli` is installed.',
    '',
    fence(topLevelHelp(commands)),
    ...commands.flatMap((c) => ['', `## rfm ${c.name}`, '', fence(c.help)]),
    '',
  ].join('\n');
}
