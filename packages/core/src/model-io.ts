/**
 * Saving and loading backbones in the TensorFlow.js layers format (`model.json` + `weights.bin`),
 * with the rfm.js backbone description in `userDefinedMetadata.rfm`, so a saved detector loads in
 * rfm.js and in plain TensorFlow.js alike.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackboneConfig } from './backbone.js';
import { writeFileAtomic, replaceDirAtomic, readableDir } from './atomic-write.js';
import { CheckpointError, errorMessage } from './errors.js';
import { LayersBackbone } from './layers-backbone.js';
import { registerCoreLayers } from './layers/register-core-layers.js';

/** What rfm.js stores beside the weights. */
export interface SavedBackboneMetadata {
  /** The backbone description. */
  readonly config: BackboneConfig;
  /** Name of the classifier layer (for CAM). */
  readonly classifierLayer: string;
}

/**
 * Concatenates tfjs weight data (one buffer or several) into one byte array.
 *
 * @param data - `weightData` of a save artifact or of `tf.io.encodeWeights`
 */
export function concatWeightData(data: tf.io.ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * Saves a backbone to `dir` (`model.json`, `weights.bin`), replacing any previous content atomically.
 *
 * @param backbone - a {@link LayersBackbone}
 * @param dir - destination folder
 */
export async function saveBackbone(backbone: LayersBackbone, dir: string): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await backbone.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  const metadata: SavedBackboneMetadata = { config: backbone.config, classifierLayer: backbone.classifierLayer };
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
    userDefinedMetadata: { rfm: metadata },
  };
  replaceDirAtomic(dir, (tmp) => {
    writeFileAtomic(join(tmp, 'weights.bin'), concatWeightData(a.weightData));
    writeFileAtomic(join(tmp, 'model.json'), `${JSON.stringify(modelJson)}\n`);
  });
}

/**
 * Reads the rfm.js metadata of a saved backbone without building it.
 *
 * @param dir - folder written by {@link saveBackbone}
 * @throws {@link CheckpointError} when the folder has no readable rfm.js model
 */
export function readBackboneMetadata(dir: string): SavedBackboneMetadata {
  const json = readModelJson(dir);
  const meta = (json.userDefinedMetadata as { rfm?: SavedBackboneMetadata } | undefined)?.rfm;
  if (!meta?.config || !meta.classifierLayer) {
    throw new CheckpointError(`${join(dir, 'model.json')} has no rfm.js metadata (userDefinedMetadata.rfm); was it saved by saveBackbone()?`);
  }
  return meta;
}

/**
 * Loads a backbone saved by {@link saveBackbone}. Core's own layers (`RfmBatchNormalization`) are
 * registered here; other custom layers must be registered first (for the built-in backbones:
 * `registerModelLayers()` from `@rfm/models`).
 *
 * @param dir - folder written by {@link saveBackbone}
 * @throws {@link CheckpointError} naming the folder and the cause
 */
export async function loadBackbone(dir: string): Promise<LayersBackbone> {
  const src = readableDir(dir) ?? dir;
  const json = readModelJson(src);
  const meta = readBackboneMetadata(src);
  const manifest = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  registerCoreLayers();
  try {
    const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(src, p))));
    const bytes = Buffer.concat(buffers);
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData,
      }),
    );
    return new LayersBackbone(model, meta.config, meta.classifierLayer);
  } catch (e) {
    throw new CheckpointError(`Cannot load the model in ${src}: ${errorMessage(e)}`, { cause: e });
  }
}

function readModelJson(dir: string): Record<string, unknown> {
  const src = readableDir(dir) ?? dir;
  const path = join(src, 'model.json');
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError(`Cannot read ${path}: ${errorMessage(e)}. Pass a folder written by rfm train (RUN_DIR/model).`, {
      cause: e,
    });
  }
}
