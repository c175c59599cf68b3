/**
 * A small helper to write ONNX graphs by hand: `op()` appends a node and returns its output names,
 * constants become initializers. Names are generated in call order, so the same sequence of calls
 * always gives the same graph (and the same model bytes).
 */
import type { AttributeDef, DataTypeId, GraphDef, NodeDef, TensorDef, ValueInfoDef } from './model-proto.ts';
import { DataType } from './model-proto.ts';

export type Attrs = Readonly<Record<string, AttributeDef>>;

/** Shorthands for node attributes. */
export const attr = {
  int: (value: number): AttributeDef => ({ type: 'int', value }),
  float: (value: number): AttributeDef => ({ type: 'float', value }),
  ints: (value: readonly number[]): AttributeDef => ({ type: 'ints', value }),
  graph: (value: GraphDef): AttributeDef => ({ type: 'graph', value }),
};

/** The names of one model: shared by a graph and its subgraphs, which may read outer values by name. */
interface Scope {
  names: Set<string>;
  counter: number;
}

function leBytes(view: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  // ONNX raw_data is little-endian; so are the typed arrays on every platform Node supports, but say so.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('big-endian hosts are not supported');
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export class GraphBuilder {
  readonly #nodes: NodeDef[] = [];
  readonly #inits: TensorDef[] = [];
  readonly #inputs: ValueInfoDef[] = [];
  readonly #outputs: ValueInfoDef[] = [];
  readonly #scope: Scope;
  get #names(): Set<string> {
    return this.#scope.names;
  }

  constructor(scope: Scope = { names: new Set(), counter: 0 }) {
    this.#scope = scope;
  }

  #fresh(hint: string): string {
    let name = `${hint}_${this.#scope.counter++}`;
    while (this.#names.has(name)) name = `${hint}_${this.#scope.counter++}`;
    this.#names.add(name);
    return name;
  }

  /**
   * A builder for a subgraph (the branch of an If): its names come from this model's, so it never
   * shadows a value of the enclosing graph, and its nodes may read those values by name.
   */
  subgraph(): GraphBuilder {
    return new GraphBuilder(this.#scope);
  }

  input(name: string, elemType: DataTypeId, shape: readonly (number | string)[]): string {
    this.#names.add(name);
    this.#inputs.push({ name, elemType, shape });
    return name;
  }

  output(name: string, elemType: DataTypeId, shape?: readonly (number | string)[]): void {
    this.#outputs.push({ name, elemType, shape });
  }

  /** Appends a node; returns its output names (`outputs` may name them, e.g. graph outputs). */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Attrs = {},
    outputs: number | string[] = 1,
  ): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.#fresh(opType.toLowerCase()))
        : outputs;
    for (const o of outs) this.#names.add(o);
    this.#nodes.push({ opType, inputs, outputs: outs, name: this.#fresh(`n_${opType}`), attributes });
    return outs;
  }

  /** A single-output node. */
  op1(opType: string, inputs: readonly string[], attributes: Attrs = {}, output?: string): string {
    return this.op(opType, inputs, attributes, output === undefined ? 1 : [output])[0]!;
  }

  /** A float32 initializer. The array is referenced, not copied, until the model is encoded. */
  f32(name: string, data: Float32Array, dims: readonly number[]): string {
    return this.#init(name, DataType.FLOAT, dims, leBytes(data));
  }

  /** An int64 constant (a scalar when dims is []). */
  i64(values: readonly number[], dims: readonly number[] = [values.length], hint = 'c'): string {
    return this.#init(this.#fresh(hint), DataType.INT64, dims, leBytes(BigInt64Array.from(values, BigInt)));
  }

  /** A float32 scalar constant. */
  scalar(value: number, hint = 'c'): string {
    return this.#init(this.#fresh(hint), DataType.FLOAT, [], leBytes(new Float32Array([value])));
  }

  #init(name: string, dataType: DataTypeId, dims: readonly number[], raw: Uint8Array): string {
    this.#names.add(name);
    this.#inits.push({ name, dataType, dims, raw });
    return name;
  }

  build(name: string): GraphDef {
    return {
      name,
      nodes: this.#nodes,
      initializers: this.#inits,
      inputs: this.#inputs,
      outputs: this.#outputs,
    };
  }
}
