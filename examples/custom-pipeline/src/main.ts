/**
 * Example: a custom pipeline of two built-in plugins and a user-written one on the bundled faces.
 * Run from the repository root: pnpm --filter @rfm/example-custom-pipeline start
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@rfm/backend';
import { runCustomPipeline } from './pipeline.js';

const data = fileURLToPath(new URL('../../../data/ffhq-stylegan2', import.meta.url));
const backend = await initBackend('auto');
console.error(`backend: ${backend.summary}`);
const { order, effects } = await runCustomPipeline({ data, size: 64, iterations: 20, seed: 5 });
console.log(`pipeline (trainer order): ${order.join(' -> ')}`);
for (const e of effects) {
  console.log(
    `${e.plugin.padEnd(5)} erased ${e.erasedImages}/8 images, ${(100 * e.erasedPixels).toFixed(1)}% of the batch's pixels; ` +
      `changed ${(100 * e.changedPixels).toFixed(1)}% of the values it received`,
  );
}
process.exit(0);
