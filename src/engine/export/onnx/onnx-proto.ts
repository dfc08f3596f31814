// The ONNX messages the studio's export writes, as plain objects, and their protobuf encoding.
// Field numbers are onnx.proto's (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto); only
// the fields an inference graph of dense tensors needs are covered.
import { ProtoWriter } from './protobuf-writer';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, FLOAT16: 10 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export interface OnnxTensor {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** Little-endian element bytes (raw_data), dims' product × the element size. */
  raw: Uint8Array;
}

export type OnnxAttributeValue = number | string | number[] | { float: number } | { floats: number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Plain numbers are INT, arrays INTS; floats are marked ({ float }, { floats }). */
  attributes?: Record<string, OnnxAttributeValue>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: DataTypeCode;
  /** A number is a fixed size, a string a symbolic one (dim_param, e.g. 'batch'). */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

function encodeTensor(t: OnnxTensor): Uint8Array {
  const expected = t.dims.reduce((a, b) => a * b, 1) * (t.dataType === DataType.FLOAT16 ? 2 : t.dataType === DataType.INT64 ? 8 : 4);
  if (t.raw.byteLength !== expected) throw new Error(`ONNX tensor ${t.name}: ${t.raw.byteLength} bytes for dims [${t.dims}] (expected ${expected})`);
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, t.dataType).string(8, t.name).bytes(9, t.raw); // data_type, name, raw_data
  return w.finish();
}

function encodeAttribute(name: string, value: OnnxAttributeValue): Uint8Array {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`ONNX attribute ${name}: ${value} is not an integer (mark floats as { float })`);
    w.int(20, AttributeType.INT).int(3, value); // type, i
  } else if (typeof value === 'string') w.int(20, AttributeType.STRING).string(4, value); // s
  else if (Array.isArray(value)) {
    w.int(20, AttributeType.INTS);
    for (const v of value) w.int(8, v); // ints
  } else if ('float' in value) w.int(20, AttributeType.FLOAT).float(2, value.float); // f
  else {
    w.int(20, AttributeType.FLOATS);
    for (const v of value.floats) w.float(7, v); // floats
  }
  return w.finish();
}

function encodeNode(n: OnnxNode): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v));
  return w.finish();
}

function encodeValueInfo(v: OnnxValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2
    const dim = typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim.finish());
  }
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape.finish()); // TypeProto.Tensor: elem_type, shape
  const type = new ProtoWriter().message(1, tensorType.finish()); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type.finish()).finish();
}

function encodeGraph(g: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w.finish();
}

/** The bytes of a .onnx file. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter().int(1, m.irVersion); // ir_version
  w.string(2, m.producerName).string(3, m.producerVersion); // producer_name, producer_version
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph)); // graph
  // opset_import: OperatorSetIdProto { domain = 1 ('' = ai.onnx), version = 2 }
  w.message(8, new ProtoWriter().string(1, '').int(2, m.opsetVersion).finish());
  for (const [key, value] of Object.entries(m.metadata)) w.message(14, new ProtoWriter().string(1, key).string(2, value).finish()); // metadata_props
  return w.finish();
}
