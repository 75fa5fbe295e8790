/**
 * `@rfm/data`: face datasets for forgery detection. Decoding with sharp, folder and CSV-manifest
 * datasets, group-safe stable splits, the RFM transforms (resize 256, crop 224, flip, mean 0.5 /
 * std 0.25), a balanced training stream and an evaluation source implementing `@rfm/core`'s
 * `BatchSource` and `EvalSource`.
 *
 * @packageDocumentation
 */
export { ImageDecodeError, DatasetError } from './errors.js';
export { decodeImage, resolveDecodeOptions, DECODE_DEFAULTS, SUPPORTED_IMAGE_FORMATS } from './decode-image.js';
export type { DecodedImage, DecodeOptions, DecodeStrictness, ResolvedDecodeOptions } from './decode-image.js';
export { resizeImage } from './resize-image.js';
export { SPLITS, IMAGE_EXTENSIONS, REAL_TECHNIQUE, FAKE_TECHNIQUE, countItems, isImageFile, compareIds, requireBothClasses } from './dataset.js';
export type { Split, DatasetItem, Dataset } from './dataset.js';
export { loadFolderDataset } from './folder-dataset.js';
export { FOLDER_SPLITS_FILE, readFolderSplits } from './folder-splits.js';
export type { FolderDatasetOptions } from './folder-dataset.js';
export { loadManifestDataset, MANIFEST_COLUMNS, parseLabel, parseSplit } from './manifest-dataset.js';
export { loadDataset, datasetHash } from './load-dataset.js';
export { loadDeepfakeBenchDataset, DEEPFAKEBENCH_LABEL_DICT } from './deepfakebench-dataset.js';
export type { DeepfakeBenchOptions } from './deepfakebench-dataset.js';
export { splitDataset, resolveSplitOptions, SPLIT_DEFAULTS, groupKey, unitHash } from './split-dataset.js';
export type { SplitOptions, ResolvedSplitOptions, SplitFractions, DatasetSplits } from './split-dataset.js';
export { TRANSFORM_DEFAULTS, resolveTransformOptions } from './transform-options.js';
export type { TransformOptions, ResolvedTransformOptions, Size } from './transform-options.js';
export { sampleTrainParams, centerParams, normalizationTable, writeTransformed, roundHalfEven } from './transforms.js';
export type { TransformParams } from './transforms.js';
export { ImageStore } from './image-store.js';
export type { ImageStoreOptions, BadImagePolicy, SkippedImage, CheckResult } from './image-store.js';
export { BalancedBatchSource, createBalancedSource, BALANCED_SOURCE_DEFAULTS } from './balanced-source.js';
export type { BalancedSourceOptions, BalancedSourceState } from './balanced-source.js';
export { DatasetEvalSource, createEvalSource } from './eval-source.js';
export type { EvalSourceOptions } from './eval-source.js';
