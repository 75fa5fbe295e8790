/**
 * Example: compare no erasing, SFE and Random Erasing on the bundled faces.
 * Run from the repository root: pnpm --filter @rfm/example-compare-erasing start
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@rfm/backend';
import { compareErasing } from './compare.js';

const data = fileURLToPath(new URL('../../../data/ffhq-stylegan2', import.meta.url));
const backend = await initBackend('auto');
console.error(`backend: ${backend.summary}`);
await compareErasing({
  data,
  size: 96,
  iterations: 150,
  seed: 5,
  onResult: (name, r) =>
    console.log(`${name.padEnd(5)} test AUC ${(100 * r.auc).toFixed(2)}  AP ${(100 * r.ap).toFixed(2)}  ACC ${(100 * r.acc).toFixed(2)}  (${r.nReal} real, ${r.nFake} fake)`),
});
process.exit(0);
