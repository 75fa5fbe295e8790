import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference } from './reference.js';

describe('docs/cli.md', () => {
  it('matches the help texts of the commands (regenerate with pnpm run docs:cli)', () => {
    const onDisk = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(cliReference());
  });
});
