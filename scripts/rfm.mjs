// Runs the rfm CLI from source (`pnpm rfm ...`) inside this one Node process: tsx is registered as a
// loader instead of running as a parent process, so Ctrl-C and SIGTERM reach the CLI itself, which
// finishes the current iteration and writes a checkpoint (a tsx parent process would kill it after
// 60 ms). Start it with `node --conditions=@rfm/source scripts/rfm.mjs`.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.run.json', import.meta.url)) });
await import('../packages/cli/src/bin.ts');
