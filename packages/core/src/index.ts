/**
 * `@rfm/core`: the augmentation contract and DI tokens, the backbone contract, the trainer, the
 * seeded RNG and the attention maps of Representative Forgery Mining.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './errors.js';
export * from './defined-options.js';
export * from './rng.js';
export * from './graph-compiler.js';
export * from './compiled-pass.js';
export * from './compiled-forward.js';
export { describeCompiledPassFallback, onCompiledPassFallback } from './compiled-pass-fallback.js';
export type { CompiledPassFallback, CompiledPassFallbackListener } from './compiled-pass-fallback.js';
export * from './logger.js';
export * from './normalization.js';
export * from './backbone.js';
export * from './layers-backbone.js';
export * from './ops/batch-norm-training.js';
export * from './ops/batch-norm-rebuild.js';
export * from './ops/batch-norm-inference.js';
export * from './ops/conv-bias-activation.js';
export * from './layers/index.js';
export * from './small-backbone.js';
export * from './backbone-registry.js';
export * from './multiply-adds.js';
export * from './augmentation.js';
export * from './batches.js';
export * from './memory-data.js';
export * from './erasing.js';
export * from './erasing-base.js';
export * from './augment-context.js';
export * from './tokens.js';
export * from './trainer-options.js';
export * from './run-log.js';
export * from './register-augmentation.js';
export * from './train-step.js';
export * from './accumulated-step.js';
export * from './backward-release.js';
export * from './activation-recompute.js';
export * from './flat-adam.js';
export * from './flat-adam-moments.js';
export * from './backend-failure.js';
export * from './step-memory.js';
export * from './training-memory.js';
export * from './atomic-write.js';
export * from './model-io.js';
export * from './checkpoint.js';
export * from './training-memory.js';
export * from './predict.js';
export * from './trainer.js';
export * from './run-container.js';
