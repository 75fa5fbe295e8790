/**
 * Saving and loading backbones in the TensorFlow.js layers format (`model.json` + `weights.bin`),
 * with the rfm.js backbone description in `userDefinedMetadata.rfm`, so a saved detector loads in
 * rfm.js and in plain TensorFlow.js alike.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackboneConfig } from './backbone.js';
import { recoverDir, replaceDirAtomic, writeFileAtomic } from './atomic-write.js';
import { CheckpointError, errorMessage, firstErrorLine } from './errors.js';
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
 * tfjs weight data (one buffer or several) as byte views, without copying, for
 * {@link writeFileAtomic}'s chunked form.
 */
function weightDataChunks(data: tf.io.ModelArtifacts['weightData']): Uint8Array[] {
  if (data === undefined) return [];
  return (Array.isArray(data) ? data : [data]).map((part) => new Uint8Array(part));
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
    writeFileAtomic(join(tmp, 'weights.bin'), weightDataChunks(a.weightData));
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
  const src = recoverDir(dir) ?? dir;
  return metadataOf(readModelJson(src), join(src, 'model.json'));
}

function metadataOf(json: Record<string, unknown>, path: string): SavedBackboneMetadata {
  const meta = (json.userDefinedMetadata as { rfm?: SavedBackboneMetadata } | undefined)?.rfm;
  if (!meta?.config || !meta.classifierLayer) {
    throw new CheckpointError(`${path} has no rfm.js metadata (userDefinedMetadata.rfm); was it saved by saveBackbone()?`);
  }
  return meta;
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1 };

/**
 * Checks a weights manifest (`[{ name, shape, dtype }]`) against the byte length of its data and
 * decodes nothing: throws a {@link CheckpointError} naming `file` when an entry is malformed or the
 * data is shorter or longer than the entries need (a truncated or foreign file).
 *
 * @param specs - parsed manifest entries (untrusted)
 * @param byteLength - bytes available
 * @param file - the data file, for messages
 * @param manifest - the manifest file, for messages
 */
export function checkWeightSpecs(specs: unknown, byteLength: number, file: string, manifest: string): tf.io.WeightsManifestEntry[] {
  if (!Array.isArray(specs)) throw new CheckpointError(`${manifest} is damaged: its weight list is not an array. Restore the folder from a backup or train again.`);
  let need = 0;
  for (const s of specs as unknown[]) {
    const e = s as Partial<tf.io.WeightsManifestEntry> | null;
    const ok =
      e !== null &&
      typeof e === 'object' &&
      typeof e.name === 'string' &&
      Array.isArray(e.shape) &&
      e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      typeof e.dtype === 'string' &&
      DTYPE_BYTES[e.dtype] !== undefined &&
      e.quantization === undefined;
    if (!ok) throw new CheckpointError(`${manifest} is damaged: weight entry ${JSON.stringify(s)} is not {name, shape, dtype}. Restore the folder from a backup or train again.`);
    need += e.shape!.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype!]!;
  }
  if (need !== byteLength) {
    throw new CheckpointError(
      `${file} is damaged: it holds ${byteLength} bytes, ${manifest} describes ${need} (${byteLength < need ? 'truncated' : 'extra data'}). Restore the folder from a backup or train again.`,
    );
  }
  return specs as tf.io.WeightsManifestEntry[];
}

/**
 * Reads a JSON file, throwing a {@link CheckpointError} that names the file when it is missing or
 * not valid JSON.
 *
 * @param path - the file
 * @param fix - what to do about it, appended to the message
 */
export function readJsonFile(path: string, fix: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CheckpointError(`Cannot read ${path}: ${errorMessage(e)}. ${fix}`, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CheckpointError(`${path} is damaged: not valid JSON (${errorMessage(e)}). ${fix}`, { cause: e });
  }
}

/** A saved model read from disk and checked, ready for `tfl.loadLayersModel`. */
export interface SavedModel {
  /** The folder actually read (after {@link recoverDir}). */
  readonly dir: string;
  /** Topology, weight specs and weight bytes. */
  readonly artifacts: tf.io.ModelArtifacts;
  /** rfm.js metadata. */
  readonly metadata: SavedBackboneMetadata;
}

/**
 * Reads and checks a model folder written by {@link saveBackbone} without building it: repairs an
 * interrupted save ({@link recoverDir}), refuses weight paths that leave the folder, and checks the
 * weight files against the manifest.
 *
 * @param dir - folder written by {@link saveBackbone}
 * @throws {@link CheckpointError} naming the damaged file
 */
export function readSavedModel(dir: string): SavedModel {
  const src = recoverDir(dir) ?? dir;
  const jsonPath = join(src, 'model.json');
  const json = readModelJson(src);
  const metadata = metadataOf(json, jsonPath);
  const manifest = json.weightsManifest;
  const fix = 'Restore the folder from a backup or train again.';
  if (!Array.isArray(manifest) || json.modelTopology === null || typeof json.modelTopology !== 'object') {
    throw new CheckpointError(`${jsonPath} is damaged: it lacks modelTopology or weightsManifest. ${fix}`);
  }
  const root = resolve(src);
  const buffers: Buffer[] = [];
  const specs: unknown[] = [];
  for (const group of manifest as { paths?: unknown; weights?: unknown }[]) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) throw new CheckpointError(`${jsonPath} is damaged: a weightsManifest entry lacks paths or weights. ${fix}`);
    for (const p of group.paths as unknown[]) {
      const file = typeof p === 'string' ? resolve(root, p) : '';
      const rel = relative(root, file);
      if (typeof p !== 'string' || p === '' || isAbsolute(p) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        throw new CheckpointError(`${jsonPath} names weight file ${JSON.stringify(p)} outside the model folder ${root}; refusing to read it. Weight files must sit inside the model folder.`);
      }
      try {
        buffers.push(readFileSync(file));
      } catch (e) {
        throw new CheckpointError(`Cannot read ${file} (listed in ${jsonPath}): ${errorMessage(e)}. ${fix}`, { cause: e });
      }
    }
    specs.push(...(group.weights as unknown[]));
  }
  const bytes = Buffer.concat(buffers);
  const files = (manifest as { paths: string[] }[]).flatMap((g) => g.paths).map((p) => join(src, p)).join(', ');
  const weightSpecs = checkWeightSpecs(specs, bytes.byteLength, files || jsonPath, jsonPath);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { dir: src, artifacts: { modelTopology: json.modelTopology as object, weightSpecs, weightData }, metadata };
}

/**
 * The one loader of saved backbones: reads and checks a folder written by {@link saveBackbone}
 * ({@link readSavedModel}) and rebuilds the model. Core's layers are registered here; the layers of
 * `@rfm/models` are registered when that package is imported. A model that uses a layer nobody
 * registered fails with a {@link CheckpointError} naming the layer and the file.
 *
 * @param dir - folder written by {@link saveBackbone}
 * @throws {@link CheckpointError} naming the file and the cause
 */
export async function loadBackbone(dir: string): Promise<LayersBackbone> {
  const saved = readSavedModel(dir);
  registerCoreLayers();
  const jsonPath = join(saved.dir, 'model.json');
  try {
    const model = await tfl.loadLayersModel(tf.io.fromMemory(saved.artifacts));
    return new LayersBackbone(model, saved.metadata.config, saved.metadata.classifierLayer);
  } catch (e) {
    const unknown = /Unknown layer: (\w+)/.exec(errorMessage(e));
    const why = unknown
      ? `it uses layer class ${unknown[1]}, which is not registered; import the package that defines it (the built-in backbones: @rfm/models)`
      : `${firstErrorLine(e)}. Restore the folder from a backup or train again`;
    throw new CheckpointError(`Cannot load the model ${jsonPath}: ${why}.`, { cause: e });
  }
}

function readModelJson(src: string): Record<string, unknown> {
  const path = join(src, 'model.json');
  const json = readJsonFile(path, 'Pass a folder written by rfm train (RUN_DIR/model).');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CheckpointError(`${path} is damaged: not a JSON object. Pass a folder written by rfm train (RUN_DIR/model).`);
  return json as Record<string, unknown>;
}
