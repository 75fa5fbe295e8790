/**
 * Datasets described by DeepfakeBench's preprocessing JSON, so that frames already extracted and
 * cropped by DeepfakeBench train and evaluate here without preprocessing again.
 *
 * @packageDocumentation
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { errorMessage } from '@rfm/core';
import { compareIds, REAL_TECHNIQUE, type Dataset, type DatasetItem, type Split } from './dataset.js';
import { DatasetError } from './errors.js';

/**
 * DeepfakeBench's `label_dict` (its `training/config/train_config.yaml`): the label names its
 * dataset JSON files use, 0 = real, 1 = fake.
 */
export const DEEPFAKEBENCH_LABEL_DICT: Readonly<Record<string, 0 | 1>> = {
  DFD_fake: 1,
  DFD_real: 0,
  'FF-SH': 1,
  'FF-F2F': 1,
  'FF-DF': 1,
  'FF-FS': 1,
  'FF-NT': 1,
  'FF-FH': 1,
  'FF-real': 0,
  CelebDFv1_real: 0,
  CelebDFv1_fake: 1,
  CelebDFv2_real: 0,
  CelebDFv2_fake: 1,
  DFDCP_Real: 0,
  DFDCP_FakeA: 1,
  DFDCP_FakeB: 1,
  DFDC_Fake: 1,
  DFDC_Real: 0,
  DF_fake: 1,
  DF_real: 0,
  UADFV_Fake: 1,
  UADFV_Real: 0,
  roop_Real: 0,
  roop_Fake: 1,
};

/** Options of {@link loadDeepfakeBenchDataset}. */
export interface DeepfakeBenchOptions {
  /** Folder the frame paths are relative to. @default the JSON file's folder */
  readonly root?: string;
  /** Compression level to read where the JSON nests one (FF++: `c23`, `c40`, `raw`). @default 'c23' */
  readonly compression?: string;
  /** Label name -> 0 (real) / 1 (fake). @default DEEPFAKEBENCH_LABEL_DICT */
  readonly labelDict?: Readonly<Record<string, 0 | 1>>;
  /** Check that every frame exists (one `stat` per frame). @default true */
  readonly checkFiles?: boolean;
}

interface VideoEntry {
  readonly label: unknown;
  readonly frames: unknown;
}

function isVideoEntry(v: unknown): v is VideoEntry {
  return typeof v === 'object' && v !== null && Array.isArray((v as VideoEntry).frames);
}

const SPLIT_OF: Record<string, Split> = { train: 'train', val: 'validation', validation: 'validation', test: 'test' };

/**
 * Loads a DeepfakeBench dataset JSON: `{dataset: {labelName: {train|val|test: {[compression]:
 * {video: {label, frames: [paths]}}}}}}`. Each frame becomes an item with the JSON's split (`val` is
 * `validation`), label from the label dictionary, technique = the label name for fakes, and group =
 * `<label>_<video>` (DeepfakeBench's unique video name), so that evaluation can pool frames into
 * videos and splits never share a video. Several datasets in one file are all read.
 *
 * @param jsonPath - e.g. `preprocessing/dataset_json/FaceForensics++.json`
 * @param options - root of the frame paths, compression, label dictionary
 * @returns the dataset, items sorted by id (the frame path relative to `root`)
 * @throws {@link DatasetError} for unreadable JSON, an unknown label name, a missing compression
 *   level, a frame path outside `root` or a missing frame
 * @example
 * ```ts
 * const ds = await loadDeepfakeBenchDataset('dataset_json/Celeb-DF-v2.json', { root: 'datasets/rgb' });
 * ```
 */
export async function loadDeepfakeBenchDataset(jsonPath: string, options: DeepfakeBenchOptions = {}): Promise<Dataset> {
  const source = resolve(jsonPath);
  const root = resolve(options.root ?? dirname(source));
  const compression = options.compression ?? 'c23';
  const labelDict = options.labelDict ?? DEEPFAKEBENCH_LABEL_DICT;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(source, 'utf8'));
  } catch (e) {
    throw new DatasetError(jsonPath, `cannot read the DeepfakeBench JSON (${errorMessage(e)}).`, undefined, { cause: e });
  }
  if (typeof json !== 'object' || json === null) throw new DatasetError(jsonPath, 'is not a DeepfakeBench dataset JSON (expected {dataset: {label: {train|val|test: ...}}}).');
  const items: DatasetItem[] = [];
  const seen = new Set<string>();
  for (const [dataset, labels] of Object.entries(json as Record<string, unknown>)) {
    for (const [labelName, splits] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
      for (const [splitName, content] of Object.entries((splits ?? {}) as Record<string, unknown>)) {
        const split = SPLIT_OF[splitName];
        if (!split) throw new DatasetError(jsonPath, `${dataset}/${labelName}: unknown split "${splitName}" (expected train, val or test).`);
        const entries = Object.entries((content ?? {}) as Record<string, unknown>);
        let videos: [string, unknown][] = entries;
        if (entries.length > 0 && !entries.some(([, v]) => isVideoEntry(v))) {
          const level = (content as Record<string, unknown>)[compression];
          if (level === undefined) {
            throw new DatasetError(jsonPath, `${dataset}/${labelName}/${splitName} has compression levels ${entries.map(([k]) => k).join(', ')} but not "${compression}"; pass one of them.`);
          }
          videos = Object.entries(level as Record<string, unknown>);
        }
        for (const [video, entry] of videos) {
          if (!isVideoEntry(entry)) throw new DatasetError(jsonPath, `${dataset}/${labelName}/${splitName}/${video} has no frames list.`);
          const name = typeof entry.label === 'string' ? entry.label : labelName;
          const label = labelDict[name];
          if (label === undefined) {
            throw new DatasetError(jsonPath, `label "${name}" (video ${video}) is not in the label dictionary; known: ${Object.keys(labelDict).join(', ')}. Pass labelDict.`);
          }
          for (const frame of entry.frames as unknown[]) {
            const raw = String(frame).replace(/\\/g, '/');
            const abs = isAbsolute(raw) ? raw : resolve(root, raw);
            const rel = relative(root, abs);
            if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
              throw new DatasetError(jsonPath, `frame "${raw}" of ${video} is outside the root ${root}; pass root.`);
            }
            const id = rel.split(sep).join('/');
            if (seen.has(id)) continue;
            seen.add(id);
            items.push({ id, path: abs, label, technique: label === 0 ? REAL_TECHNIQUE : name, split, group: `${name}_${video}` });
          }
        }
      }
    }
  }
  if (items.length === 0) throw new DatasetError(jsonPath, 'lists no frame.');
  if (options.checkFiles ?? true) {
    const missing: string[] = [];
    await Promise.all(
      items.map(async (it) => {
        const info = await stat(it.path).catch(() => undefined);
        if (!info?.isFile()) missing.push(it.path);
      }),
    );
    if (missing.length > 0) {
      missing.sort();
      throw new DatasetError(jsonPath, `${missing.length} of ${items.length} frames do not exist, e.g. ${missing[0]}; pass root (the folder DeepfakeBench's frame paths are relative to).`);
    }
  }
  items.sort((a, b) => compareIds(a.id, b.id));
  return { root, source, kind: 'deepfakebench', items };
}
