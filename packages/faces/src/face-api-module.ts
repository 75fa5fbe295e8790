/**
 * Loading `@vladmandic/face-api` on the one `@tensorflow/tfjs-core` instance that training uses.
 *
 * The package ships several builds. The browser bundles (`face-api.js`, `face-api.esm.js`) carry a
 * whole TensorFlow.js of their own; `face-api.esm-nobundle.js` imports ES-module files of tfjs that
 * Node would load as a second copy of tfjs-core. `face-api.node-wasm.js` is a CommonJS file that
 * takes its TensorFlow.js from `require('@tensorflow/tfjs')` and `require('@tensorflow/tfjs-backend-wasm')`,
 * which face-api does not list as dependencies. We evaluate that file with a `require` that hands it
 * the `@tensorflow/tfjs` and wasm backend that this package depends on, check that their tfjs-core is
 * the very instance `import '@tensorflow/tfjs-core'` gives, and so run detection on whatever
 * backend (wasm or native TensorFlow) is active for training.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { errorMessage } from '@rfm/core';
import { FaceModelError } from './errors.js';

/** The part of face-api's API that `@rfm/faces` uses (the package's own types are not exported for CommonJS). */
export interface FaceApiModule {
  /** The networks, each with `loadFromDisk(dir)` and `isLoaded`. */
  readonly nets: Record<string, { loadFromDisk(dir: string): Promise<void>; readonly isLoaded: boolean }>;
  /** Detection entry point. */
  detectAllFaces(input: tf.Tensor3D, options: unknown): FaceApiDetectTask;
  /** Tiny face detector options class. */
  readonly TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  /** SSD MobileNet v1 options class. */
  readonly SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults?: number }) => unknown;
  /** The tfjs namespace face-api runs on. */
  readonly tf: { engine(): unknown; Tensor: unknown };
}

/** The chained task `detectAllFaces(...)` returns. */
export interface FaceApiDetectTask {
  /** Adds 68-point landmarks (`useTiny` picks the tiny landmark net). */
  withFaceLandmarks(useTiny?: boolean): PromiseLike<FaceApiResult[]>;
}

/** One face as face-api returns it. */
export interface FaceApiResult {
  /** The detection. */
  readonly detection: { readonly score: number; readonly box: { x: number; y: number; width: number; height: number } };
  /** The 68 landmarks in the input's pixel coordinates. */
  readonly landmarks: { readonly positions: readonly { x: number; y: number }[] };
}

let loaded: FaceApiModule | undefined;

/** Folder of the weights shipped inside `@vladmandic/face-api` (`model/`). */
export function faceApiModelDir(): string {
  return join(faceApiRoot(), 'model');
}

/** Folder of the installed `@vladmandic/face-api` package. */
export function faceApiRoot(): string {
  const req = createRequire(import.meta.url);
  try {
    return dirname(req.resolve('@vladmandic/face-api/package.json'));
  } catch (e) {
    throw new FaceModelError(`@vladmandic/face-api is not installed (${errorMessage(e)}); run pnpm install.`, { cause: e });
  }
}

/**
 * Loads face-api's `face-api.node-wasm.js` build once, wired to this package's TensorFlow.js.
 *
 * @returns the face-api module (cached)
 * @throws {@link FaceModelError} when the package is missing or its tfjs-core would not be the
 *   training one (two copies of `@tensorflow/tfjs-core` installed)
 */
export function loadFaceApi(): FaceApiModule {
  if (loaded) return loaded;
  const req = createRequire(import.meta.url);
  const file = join(faceApiRoot(), 'dist', 'face-api.node-wasm.js');
  let tfjs: { engine(): unknown; Tensor: unknown };
  let wasm: unknown;
  let source: string;
  try {
    tfjs = req('@tensorflow/tfjs') as typeof tfjs;
    wasm = req('@tensorflow/tfjs-backend-wasm');
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FaceModelError(`cannot load face-api (${errorMessage(e)}); run pnpm install.`, { cause: e });
  }
  if (tfjs.engine() !== tf.engine() || tfjs.Tensor !== tf.Tensor) {
    throw new FaceModelError(
      'two copies of @tensorflow/tfjs-core are installed: face-api would not run on the training engine. Keep every @tensorflow/* package at the same version and reinstall.',
    );
  }
  const faceRequire = createRequire(file);
  const inject = (id: string): unknown => {
    if (id === '@tensorflow/tfjs') return tfjs;
    if (id === '@tensorflow/tfjs-backend-wasm') return wasm;
    return faceRequire(id);
  };
  const module = { exports: {} as FaceApiModule };
  try {
    // A CommonJS evaluation with our own `require`: face-api's file stays untouched on disk.
    new Function('exports', 'require', 'module', '__filename', '__dirname', source)(module.exports, inject, module, file, dirname(file));
  } catch (e) {
    throw new FaceModelError(`cannot evaluate ${file} (${errorMessage(e)}).`, { cause: e });
  }
  loaded = module.exports;
  return loaded;
}
