/**
 * Versions recorded in the run log, so a result can be traced to the code that produced it.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

/** Node, TensorFlow.js and rfm.js package versions. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version, 'tfjs-core': tf.version_core };
  for (const name of ['@rfm/core', '@rfm/cli', '@rfm/models', '@rfm/data', '@rfm/backend']) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      out[name] = 'unknown';
    }
  }
  return out;
}
