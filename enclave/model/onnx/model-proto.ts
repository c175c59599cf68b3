/**
 * Encoding of the ONNX protobuf messages (onnx/onnx.proto, IR version 8) that a decoder graph needs:
 * ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (raw_data only), ValueInfoProto.
 * Field numbers are those of onnx.proto; each encoder names the message it writes.
 */
import { ProtoWriter } from './protobuf.ts';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

/** A constant tensor (initializer or attribute), stored as little-endian raw_data. */
export interface TensorDef {
  name: string;
  dataType: DataTypeId;
  dims: readonly number[];
  raw: Uint8Array;
}

export type AttributeDef =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorDef }
  /** A subgraph, e.g. a branch of If; its nodes may read values of the enclosing graph by name. */
  | { type: 'graph'; value: GraphDef };

export interface NodeDef {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  domain?: string;
  attributes?: Readonly<Record<string, AttributeDef>>;
}

/**
 * A graph input or output: element type and shape; a string dimension is symbolic (dynamic). No shape
 * at all (undefined) leaves even the rank open, as for the outputs of an If branch.
 */
export interface ValueInfoDef {
  name: string;
  elemType: DataTypeId;
  shape?: readonly (number | string)[];
}

export interface GraphDef {
  name: string;
  nodes: readonly NodeDef[];
  initializers: readonly TensorDef[];
  inputs: readonly ValueInfoDef[];
  outputs: readonly ValueInfoDef[];
}

export interface ModelDef {
  irVersion: number;
  opsets: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** ModelProto.metadata_props, written in key order so the bytes are deterministic. */
  metadata?: Readonly<Record<string, string>>;
  graph: GraphDef;
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9. */
export function encodeTensor(t: TensorDef): Uint8Array {
  return new ProtoWriter().ints(1, t.dims).int(2, t.dataType).string(8, t.name).bytes(9, t.raw).finish();
}

/** AttributeProto.AttributeType. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, ints: 7 } as const;

/** AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, g = 6, ints = 8, type = 20. */
function encodeAttribute(name: string, a: AttributeDef): Uint8Array {
  const w = new ProtoWriter().string(1, name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, encodeTensor(a.value));
      break;
    case 'graph':
      w.message(6, encodeGraph(a.value));
      break;
    case 'ints':
      w.ints(8, a.value);
      break;
  }
  return w.int(20, ATTR_TYPE[a.type]).finish();
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7. */
function encodeNode(n: NodeDef): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, a] of Object.entries(n.attributes ?? {}).sort(([x], [y]) => (x < y ? -1 : 1))) {
    w.message(5, encodeAttribute(k, a));
  }
  if (n.domain !== undefined && n.domain !== '') w.string(7, n.domain);
  return w.finish();
}

/**
 * ValueInfoProto { name = 1, type = 2 }, TypeProto { tensor_type = 1 },
 * TypeProto.Tensor { elem_type = 1, shape = 2 }, TensorShapeProto { dim = 1 },
 * Dimension { dim_value = 1, dim_param = 2 }.
 */
function encodeValueInfo(v: ValueInfoDef): Uint8Array {
  const tensorType = new ProtoWriter().int(1, v.elemType);
  if (v.shape !== undefined) {
    const shape = new ProtoWriter();
    for (const d of v.shape) {
      shape.message(
        1,
        typeof d === 'number'
          ? new ProtoWriter().int(1, d).finish()
          : new ProtoWriter().string(2, d).finish(),
      );
    }
    tensorType.message(2, shape.finish());
  }
  const type = new ProtoWriter().message(1, tensorType.finish()).finish();
  return new ProtoWriter().string(1, v.name).message(2, type).finish();
}

/** GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12. */
function encodeGraph(g: GraphDef): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w.finish();
}

/**
 * ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7,
 * opset_import = 8 (OperatorSetIdProto { domain = 1, version = 2 }), metadata_props = 14
 * (StringStringEntryProto { key = 1, value = 2 }).
 */
export function encodeModel(m: ModelDef): Uint8Array {
  const w = new ProtoWriter().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsets) w.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version).finish());
  for (const [k, v] of Object.entries(m.metadata ?? {}).sort(([x], [y]) => (x < y ? -1 : 1))) {
    w.message(14, new ProtoWriter().string(1, k).string(2, v).finish());
  }
  return w.finish();
}
