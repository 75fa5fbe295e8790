/**
 * A traced sequence of TensorFlow ops written as a SavedModel (one `saved_model.pb`, no variables),
 * with the protobuf classes that tfjs-node itself uses to read SavedModels.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';

/** One traced op: its TensorFlow name, attributes as the addon takes them, input and output handles. */
export interface TracedOp {
  /** TensorFlow op name, e.g. `MatMul`. */
  readonly name: string;
  /** Attributes in the addon's form (`{ name, type: TF_ATTR_*, value }`). */
  readonly attrs: readonly { readonly name: string; readonly type: number; readonly value: unknown }[];
  /** Input handle ids. */
  readonly inputs: readonly number[];
  /** Output handle ids. */
  readonly outputs: readonly number[];
}

/** A constant of the graph: a handle whose values are known. */
export interface GraphConstant {
  /** Shape. */
  readonly shape: readonly number[];
  /** TensorFlow data type (`TF_FLOAT` = 1, `TF_INT32` = 3, ...). */
  readonly dtype: number;
  /** Values. */
  readonly values: Float32Array | Int32Array | Uint8Array;
}

/** What {@link savedModelBytes} writes. */
export interface GraphSpec {
  /** The ops, in execution order. */
  readonly ops: readonly TracedOp[];
  /** Handles fed at run time, as placeholders named `feed<i>`, with their TensorFlow data types. */
  readonly feeds: readonly { readonly id: number; readonly dtype: number }[];
  /** Handles that become constants. */
  readonly constants: ReadonlyMap<number, GraphConstant>;
  /** The output handle. */
  readonly output: number;
}

/** `TF_ATTR_*` codes of the TensorFlow C API, in order. */
const ATTR_KINDS = ['s', 'i', 'f', 'b', 'type', 'shape'] as const;

// The generated protobuf classes of tfjs-node (google-protobuf), untyped.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Proto = any;

/**
 * The serialised SavedModel of a traced graph: tag `serve`, signature `serving_default` with inputs
 * `feed<i>` and output `output`.
 *
 * @param module - the tfjs-node package that runs (`@tensorflow/tfjs-node` or `-gpu`)
 * @param spec - ops, feeds, constants and output
 * @returns the names of the feeds' and of the output's tensors, and the bytes of `saved_model.pb`
 * @throws Error for an attribute kind the writer does not know, or a handle that no op, feed or constant gives
 */
export function savedModelBytes(module: string, spec: GraphSpec): { feedNames: string[]; outputName: string; bytes: Uint8Array } {
  const pb = createRequire(import.meta.url)(`${module}/dist/proto/api_pb`) as Proto;
  const graph = new pb.GraphDef();
  const version = new pb.VersionDef();
  version.setProducer(1700);
  graph.setVersions(version);
  const names = new Map<number, string>();
  const shapeOf = (dims: readonly number[]): Proto => {
    const shape = new pb.TensorShape();
    shape.setDimList(
      dims.map((n) => {
        const dim = new pb.TensorShape.Dim();
        dim.setSize(n);
        return dim;
      }),
    );
    return shape;
  };
  const typeAttr = (dtype: number): Proto => {
    const v = new pb.AttrValue();
    v.setType(dtype);
    return v;
  };
  const node = (name: string, op: string, inputs: string[], attrs: [string, Proto][]): void => {
    const n = new pb.NodeDef();
    n.setName(name);
    n.setOp(op);
    n.setInputList(inputs);
    const map = n.getAttrMap();
    for (const [k, v] of attrs) map.set(k, v);
    graph.addNode(n);
  };
  const feedNames = spec.feeds.map((f, i) => {
    const name = `feed${i}`;
    node(name, 'Placeholder', [], [['dtype', typeAttr(f.dtype)]]);
    names.set(f.id, name);
    return `${name}:0`;
  });
  let c = 0;
  for (const [id, k] of spec.constants) {
    const name = `const${c++}`;
    const tensor = new pb.Tensor();
    tensor.setDtype(k.dtype);
    tensor.setTensorShape(shapeOf(k.shape));
    tensor.setTensorContent(new Uint8Array(k.values.buffer, k.values.byteOffset, k.values.byteLength));
    const value = new pb.AttrValue();
    value.setTensor(tensor);
    node(name, 'Const', [], [
      ['dtype', typeAttr(k.dtype)],
      ['value', value],
    ]);
    names.set(id, name);
  }
  spec.ops.forEach((op, i) => op.outputs.forEach((id, k) => names.set(id, k === 0 ? `op${i}` : `op${i}:${k}`)));
  spec.ops.forEach((op, i) => {
    const inputs = op.inputs.map((id) => {
      const name = names.get(id);
      if (name === undefined) throw new Error(`input handle ${id} of op ${i} (${op.name}) comes from no op, feed or constant`);
      return name;
    });
    node(`op${i}`, op.name, inputs, op.attrs.map((a) => [a.name, attrValue(pb, a, shapeOf)]));
  });
  const output = names.get(spec.output);
  if (output === undefined) throw new Error(`the output handle ${spec.output} comes from no op`);
  const outputName = output.includes(':') ? output : `${output}:0`;
  const meta = new pb.MetaGraphDef();
  const info = new pb.MetaGraphDef.MetaInfoDef();
  info.setTagsList(['serve']);
  meta.setMetaInfoDef(info);
  meta.setGraphDef(graph);
  const signature = new pb.SignatureDef();
  signature.setMethodName('tensorflow/serving/predict');
  spec.feeds.forEach((f, i) => {
    const t = new pb.TensorInfo();
    t.setName(feedNames[i]);
    t.setDtype(f.dtype);
    signature.getInputsMap().set(`feed${i}`, t);
  });
  const out = new pb.TensorInfo();
  out.setName(outputName);
  signature.getOutputsMap().set('output', out);
  meta.getSignatureDefMap().set('serving_default', signature);
  const model = new pb.SavedModel();
  model.setSavedModelSchemaVersion(1);
  model.setMetaGraphsList([meta]);
  return { feedNames, outputName, bytes: model.serializeBinary() as Uint8Array };
}

/** An addon attribute as an `AttrValue`. */
function attrValue(pb: Proto, a: TracedOp['attrs'][number], shapeOf: (dims: readonly number[]) => Proto): Proto {
  const kind = ATTR_KINDS[a.type];
  if (kind === undefined) throw new Error(`attribute ${a.name} has a kind (${a.type}) the graph writer does not know`);
  const v = new pb.AttrValue();
  const text = (s: unknown): Uint8Array => new TextEncoder().encode(String(s));
  if (Array.isArray(a.value)) {
    const list = new pb.AttrValue.ListValue();
    const values = a.value as unknown[];
    if (kind === 's') list.setSList(values.map(text));
    else if (kind === 'i') list.setIList(values);
    else if (kind === 'f') list.setFList(values);
    else if (kind === 'b') list.setBList(values);
    else if (kind === 'type') list.setTypeList(values);
    else list.setShapeList((values as number[][]).map(shapeOf));
    v.setList(list);
  } else if (kind === 's') v.setS(text(a.value));
  else if (kind === 'i') v.setI(a.value);
  else if (kind === 'f') v.setF(a.value);
  else if (kind === 'b') v.setB(a.value);
  else if (kind === 'type') v.setType(a.value);
  else v.setShape(shapeOf(a.value as number[]));
  return v;
}
