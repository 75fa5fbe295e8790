/**
 * Example: compare no erasing, SFE and Random Erasing on the bundled 4,000 faces with the quick
 * preset's settings (small backbone with 4 blocks, 96 px, Adam 2e-3), 600 iterations each.
 * Run from the repository root: pnpm --filter @rfm/example-compare-erasing start
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@rfm/backend';
import { compareErasing } from './compare.js';

const data = fileURLToPath(new URL('../../../data/ffhq-tpdne-4k', import.meta.url));
const backend = await initBackend('auto');
console.error(`backend: ${backend.summary}`);
await compareErasing({
  data,
  size: 96,
  depth: 4,
  learningRate: 2e-3,
  iterations: Number(process.argv[2] ?? 600),
  seed: 5,
  onResult: (name, r, d) => {
    const pct = (x: number) => (100 * x).toFixed(2);
    const diff = d ? `  AUC vs none ${d.estimate >= 0 ? '+' : ''}${pct(d.estimate)} [${pct(d.lo)}, ${pct(d.hi)}]` : '';
    console.log(`${name.padEnd(5)} test AUC ${pct(r.auc)}  AP ${pct(r.ap)}  ACC ${pct(r.acc)}  (${r.nReal} real, ${r.nFake} fake)${diff}`);
  },
});
process.exit(0);
