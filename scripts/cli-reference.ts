/**
 * Regenerates docs/cli.md from the commands' help texts: `pnpm run docs:cli`.
 */
import { fileURLToPath } from 'node:url';
// Relative imports: the root package does not depend on the workspace packages.
import { writeFileAtomic } from '../packages/core/src/atomic-write.js';
import { cliReference } from '../packages/cli/src/reference.js';

const target = fileURLToPath(new URL('../docs/cli.md', import.meta.url));
writeFileAtomic(target, cliReference());
process.stderr.write(`wrote ${target}\n`);
