/**
 * The models the `rfm` and `inference` suites build by name: `small` and Xception width 0.25 at
 * 128 px, the paper's full Xception at 224 px (`xception-s224`), or any Xception width and size
 * (`xception-w0.35-s128`).
 */
import { createRng, createSmallBackbone, type Backbone } from '../packages/core/src/index.js';
import { createBackbone } from '../packages/models/src/index.js';

/** A model a suite can build by name. */
export interface ModelCase {
  /** The name in output lines. */
  readonly key: string;
  /** Square input side. */
  readonly inputSize: number;
  /** Builds the model with seeded weights. */
  readonly build: () => Backbone;
}

const MODELS: Record<string, ModelCase> = {
  small: { key: 'small', inputSize: 128, build: () => createSmallBackbone({ inputSize: 128 }, createRng(1)) },
  xception: {
    key: 'xception-w0.25-s128',
    inputSize: 128,
    build: () => createBackbone('xception', { widthMultiplier: 0.25, inputSize: 128 }, createRng(1)),
  },
  /** The paper's network (full width, 224 px): opt-in, tens of seconds per iteration on wasm. */
  'xception-s224': {
    key: 'xception-s224',
    inputSize: 224,
    build: () => createBackbone('xception', { inputSize: 224 }, createRng(1)),
  },
};

/**
 * A model of `--models`: a key of {@link MODELS}, or `xception-w<width>-s<size>` for any Xception
 * width and input size (e.g. `xception-w0.35-s128`); undefined for anything else.
 */
export function modelCase(key: string): ModelCase | undefined {
  if (MODELS[key]) return MODELS[key];
  const m = /^xception-w(\d*\.?\d+)-s(\d+)$/.exec(key);
  if (m === null) return undefined;
  const [widthMultiplier, inputSize] = [Number(m[1]), Number(m[2])];
  return { key, inputSize, build: () => createBackbone('xception', { widthMultiplier, inputSize }, createRng(1)) };
}

/** The names `modelCase` knows, for an error message. */
export function knownModels(): string {
  return `${Object.keys(MODELS).join(', ')}, xception-w<width>-s<size>`;
}
