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
  /** A new handle holding `values` (`dtype` is a `TF_*` type constant); returns its id. */
  createTensor(shape: readonly number[], dtype: unknown, values: Int32Array | Float32Array): number;
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
  /** Registers an op output (as `executeOp` returns it) as a tensor of this backend. */
  createOutputTensor(metadata: { readonly id: number }): tf.Tensor;
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

/** Per addon: `Reshape`'s attributes and the int32 handles of the shapes {@link nativeReshape} has used, by shape (and the shapes by handle). */
const reshapeState = new WeakMap<NodeBinding, { readonly attrs: unknown[]; readonly handles: Map<string, number>; readonly shapes: Map<number, readonly number[]> }>();

/**
 * The property of a binding that stands in for the addon's (a tracing wrapper's) that names the
 * addon itself, so that per-addon caches stay the same behind the wrapper.
 */
export const WRAPPED_BINDING: unique symbol = Symbol('rfm.wrappedBinding');

/** The addon behind a binding that may be a wrapper ({@link WRAPPED_BINDING}). */
function addonOf(binding: NodeBinding): NodeBinding {
  return (binding as unknown as { [WRAPPED_BINDING]?: NodeBinding })[WRAPPED_BINDING] ?? binding;
}

/**
 * The shape held by an int32 handle that {@link nativeReshape} keeps, if `id` is one.
 *
 * @param b - the `tensorflow` backend
 * @param id - a handle id
 */
export function reshapeShapeOf(b: NodeBackend, id: number): readonly number[] | undefined {
  return reshapeState.get(addonOf(b.binding))?.shapes.get(id);
}

/** The most shapes kept; past that, the kept handles are freed and the cache starts again. */
const MAX_SHAPE_HANDLES = 1024;

/**
 * `x` viewed with another shape, as TensorFlow's `Reshape` (no copy), for use inside a kernel. Unlike
 * `tf.reshape`, it does not make and free a shape tensor through tfjs' engine at every call: the
 * shape's int32 handle is made once and kept by the addon (outside tfjs' tensor count). Kernels
 * that run many reshapes per pass (the pointwise products: two or three each) spend less per call.
 *
 * @param b - the `tensorflow` backend
 * @param x - a float32 tensor of this backend
 * @param shape - the new shape (same size, no -1)
 * @returns a new tensor sharing `x`'s data
 */
export function nativeReshape(b: NodeBackend, x: tf.TensorInfo, shape: readonly number[]): tf.Tensor {
  const addon = addonOf(b.binding);
  let state = reshapeState.get(addon);
  if (!state) {
    state = { attrs: [floatTypeAttr(b), { name: 'Tshape', type: b.binding['TF_ATTR_TYPE'], value: b.binding['TF_INT32'] }], handles: new Map(), shapes: new Map() };
    reshapeState.set(addon, state);
  }
  const { attrs, handles, shapes } = state;
  const key = shape.join(',');
  let id = handles.get(key);
  if (id === undefined) {
    if (handles.size >= MAX_SHAPE_HANDLES) {
      for (const h of handles.values()) addon.deleteTensor(h);
      handles.clear();
      shapes.clear();
    }
    id = addon.createTensor([shape.length], b.binding['TF_INT32'], Int32Array.from(shape));
    handles.set(key, id);
    shapes.set(id, [...shape]);
  }
  const [output] = b.binding.executeOp('Reshape', attrs, [...b.getInputTensorIds([x]), id], 1);
  return b.createOutputTensor(output!);
}
