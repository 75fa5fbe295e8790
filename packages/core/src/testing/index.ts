/**
 * `@rfm/core/testing`: the shared conformance suite and fixtures for augmentation plugin authors.
 *
 * @packageDocumentation
 */
export { describeAugmentationContract } from './augmentation-contract.js';
export type { AugmentationFactory, ContractOptions } from './augmentation-contract.js';
export { createTestBatch, createTestBackbone, createTestContext } from './fixtures.js';
export type { TestBatchOptions } from './fixtures.js';
export { MemoryBatchSource, MemoryEvalSource, createSyntheticImages } from '../memory-data.js';
export { maxRelativeError } from './relative-error.js';
export { countingGraphCompiler } from './counting-compiler.js';
export type { CountingGraphCompiler } from './counting-compiler.js';
