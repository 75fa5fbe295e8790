/**
 * Inference forward passes that repeat (scoring every batch of an evaluation, the CAM of every
 * Adversarial Erasing iteration) as compiled graphs once they have repeated.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackboneOutput } from './backbone.js';
import { COMPILE_AFTER_RUNS, runCompiledPass } from './compiled-pass.js';
import { graphCompilerFor } from './graph-compiler.js';

/**
 * One output of an inference forward pass, from a compiled graph once the pass has run
 * {@link COMPILE_AFTER_RUNS} times for this owner and batch shape (see `runCompiledPass`; the
 * values equal the eager pass' up to float32 rounding).
 *
 * @param owner - the object the forward pass belongs to (a backbone, a model handle), which keeps
 *   its graphs
 * @param forward - the inference-mode forward pass
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @param output - which output to return
 * @returns the output, a new tensor owned by the caller
 * @example
 * ```ts
 * const logits = compiledForward(backbone, (x) => backbone.apply(x, false), images, 'logits');
 * ```
 */
export function compiledForward(
  owner: object,
  forward: (images: tf.Tensor4D) => BackboneOutput,
  images: tf.Tensor4D,
  output: keyof BackboneOutput,
): tf.Tensor {
  const pass = (inputs: readonly tf.Tensor[]): tf.Tensor => tf.tidy(() => forward(inputs[0] as tf.Tensor4D)[output]);
  return runCompiledPass(owner, `forward|${output}`, pass, [images], { compileAfter: COMPILE_AFTER_RUNS });
}

/** The shapes of a forward pass' two outputs. */
type OutputShapes = { readonly featureMap: [number, number, number, number]; readonly logits: number[] };

/** Per owner and batch shape, the shapes of its forward pass' outputs, recorded each time the pass runs. */
const outputShapesOf = new WeakMap<object, Map<string, OutputShapes>>();

/**
 * Both outputs of an inference forward pass, from one compiled graph once the pass has run
 * {@link COMPILE_AFTER_RUNS} times for this owner and batch shape: the graph returns them side by
 * side per image, and they are split again here. Without a graph compiler (wasm, cpu) this is
 * `forward(images)` itself.
 *
 * @param owner - the object the forward pass belongs to (a backbone, a model handle), which keeps
 *   its graphs
 * @param forward - the inference-mode forward pass
 * @param images - `[B, H, W, C]` normalised batch (not disposed)
 * @returns the feature map and the logits, new tensors owned by the caller
 * @example
 * ```ts
 * const { featureMap, logits } = compiledForwardOutputs(model, (x) => model.forward(x), images);
 * ```
 */
export function compiledForwardOutputs(owner: object, forward: (images: tf.Tensor4D) => BackboneOutput, images: tf.Tensor4D): BackboneOutput {
  if (!graphCompilerFor()) return forward(images);
  const byShape = outputShapesOf.get(owner) ?? new Map<string, OutputShapes>();
  outputShapesOf.set(owner, byShape);
  const key = `${images.dtype}[${images.shape.join(',')}]`;
  const pass = (inputs: readonly tf.Tensor[]): tf.Tensor =>
    tf.tidy(() => {
      const { featureMap, logits } = forward(inputs[0] as tf.Tensor4D);
      byShape.set(key, { featureMap: featureMap.shape, logits: logits.shape });
      const batch = featureMap.shape[0];
      return tf.concat([tf.reshape(featureMap, [batch, -1]), tf.reshape(logits, [batch, -1])], 1);
    });
  const packed = runCompiledPass(owner, 'forward|featureMap+logits', pass, [images], { compileAfter: COMPILE_AFTER_RUNS });
  // The pass ran (eagerly, or traced) for this key before any graph of it existed.
  const { featureMap, logits } = byShape.get(key)!;
  return tf.tidy(() => {
    const perImage = (shape: readonly number[]): number => shape.slice(1).reduce((a, b) => a * b, 1);
    const [f, l] = tf.split(packed, [perImage(featureMap), perImage(logits)], 1);
    packed.dispose();
    return { featureMap: tf.reshape<tf.Rank.R4>(f!, featureMap), logits: tf.reshape(l!, logits) };
  });
}
