/**
 * The parts of tfjs-node's `tensorflow` backend (`NodeJSKernelBackend` and its addon binding) that
 * rfm.js' native kernels call directly: TensorFlow ops by name with explicit attributes, and the
 * addon's tensor handles. Not in tfjs-node's typings, so declared here once.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';

/** tfjs-node's addon: the TensorFlow attribute and type constants, and raw handle access. */
export interface NodeBinding {
  /** `TF_ATTR_TYPE`, `TF_FLOAT`, `TF_ATTR_INT`, … */
  readonly [constant: string]: unknown;
  /** Runs an op on handle ids; returns the outputs' ids (and shapes, dtypes). */
  executeOp(name: string, attrs: unknown[], inputIds: number[], outputs: number): Array<{ readonly id: number }>;
  /** The values of a handle. */
  tensorDataSync(id: number): Float32Array;
  /** Frees a handle. */
  deleteTensor(id: number): void;
}

/** tfjs-node's backend, as rfm.js' native kernels use it. */
export interface NodeBackend {
  /** The addon. */
  readonly binding: NodeBinding;
  /** Runs a TensorFlow op with one output, registered with the active backend. */
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
  /** Runs a TensorFlow op with `outputs` outputs. */
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], outputs: number): tf.Tensor[];
  /** The addon's handle ids of tensors (moving their data to this backend first). */
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
}

/**
 * The attribute `name` (`T` by default) set to float32, as most ops' type attributes are.
 *
 * @param b - the backend
 * @param name - the attribute's name
 */
export function floatTypeAttr(b: NodeBackend, name = 'T'): unknown {
  return { name, type: b.binding['TF_ATTR_TYPE'], value: b.binding['TF_FLOAT'] };
}
