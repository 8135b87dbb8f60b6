/**
 * ONNX files: a graph builder and the protobuf encoding of the ModelProto it describes (onnx/onnx.proto, IR
 * version 8, the default domain at opset 17), enough to write a float32 inference graph that every ONNX runtime
 * loads. Field numbers are onnx.proto's; every message is written as protobuf's wire format (varints,
 * length-delimited fields, little-endian floats), with tensors' values as raw_data (little-endian).
 */

/** ONNX IR version of the files written (onnx 1.10+ reads it; opset 17 needs at least 8). */
const IR_VERSION = 8;
/** The default-domain opset the graphs use (GroupNormalization is not used, so every runtime since 2022 reads them). */
const ONNX_OPSET = 17;

/** TensorProto.DataType values used here. */
const DataType = { float: 1, int64: 7 } as const;
type ElementType = keyof typeof DataType;

/** AttributeProto.AttributeType values used here. */
const AttributeType = { float: 1, int: 2, string: 3, ints: 7 } as const;

/** An attribute value: a number with its kind, a string, or a list of integers. */
export type AttributeValue = { float: number } | { int: number } | string | number[];

/** A graph input or output: its element type and shape (a string is a named, free dimension). */
export interface ValueInfo {
  name: string;
  type: ElementType;
  shape: (number | string)[];
}

// ---------------------------------------------------------------- protobuf wire format

/** Protobuf bytes, appended field by field. */
class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** A varint (two's complement for negative integers, as int64 fields encode them). */
  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(`onnx: ${value} is not an exactly representable integer`);
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: 0 | 2 | 5): void {
    this.varint(field * 8 + wireType);
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Integers as one packed field (which proto2 parsers, onnx.proto's, read as the repeated field). */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------- the graph

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes: [string, AttributeValue][];
}

interface Initializer {
  name: string;
  type: ElementType;
  dims: number[];
  values: Float32Array | readonly number[];
}

/**
 * An ONNX graph under construction: initializers (weights and constants), nodes in topological order (each
 * node's inputs are graph inputs, initializers or outputs of earlier nodes), and the graph's inputs and outputs.
 * Value names are made unique by the builder; `op` returns the name of the node's output.
 */
export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];

  constructor(readonly name: string) {}

  /** A name not used before: `base`, or `base_N`. */
  private unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  input(info: ValueInfo): string {
    if (this.names.has(info.name)) throw new Error(`onnx: the graph already has a value named '${info.name}'`);
    this.names.add(info.name);
    this.inputs.push(info);
    return info.name;
  }

  /** Declare `value` a graph output under the name `info.name` (through an Identity node when it has another name). */
  output(value: string, info: ValueInfo): void {
    if (value !== info.name) {
      if (this.names.has(info.name)) throw new Error(`onnx: the graph already has a value named '${info.name}'`);
      this.names.add(info.name);
      this.nodes.push({ op: "Identity", inputs: [value], outputs: [info.name], name: `${info.name}_identity`, attributes: [] });
    }
    this.outputs.push(info);
  }

  /** A float32 weight, stored as an initializer named `name` (a PyTorch parameter name keeps its name). */
  weight(name: string, dims: number[], values: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`onnx: ${name} has ${values.length} values for dims [${dims.join(", ")}]`);
    const unique = this.unique(name);
    this.initializers.push({ name: unique, type: "float", dims, values });
    return unique;
  }

  /** A constant tensor, shared between the nodes that use the same one. */
  constant(type: ElementType, dims: number[], values: readonly number[]): string {
    const key = `${type}[${dims.join(",")}]:${values.join(",")}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.unique(`const_${type}_${this.constants.size}`);
    this.initializers.push({ name, type, dims, values: type === "float" ? Float32Array.from(values) : values });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant("float", [], [value]);
  }

  /** An int64 vector constant (shapes, axes, pads). */
  ints(values: readonly number[]): string {
    return this.constant("int64", [values.length], values);
  }

  /**
   * Append a node with one output; returns the output's name (made from `name`). An empty input name stands for
   * an omitted optional input.
   */
  op(op: string, inputs: string[], name: string, attributes: Record<string, AttributeValue> = {}): string {
    for (const input of inputs) {
      if (input !== "" && !this.names.has(input)) throw new Error(`onnx: ${op} node '${name}' reads '${input}', which is not defined yet`);
    }
    const node = this.unique(name);
    const output = this.unique(node);
    this.nodes.push({ op, inputs, outputs: [output], name: node, attributes: Object.entries(attributes) });
    return output;
  }

  /** The ModelProto's bytes; `metadata` goes to metadata_props (key → value strings a runtime reports as they are). */
  serialize(producer: { name: string; version?: string }, docString = "", metadata: Record<string, string> = {}): Uint8Array {
    if (!this.outputs.length) throw new Error("onnx: the graph has no output");
    const model = new ProtoWriter().int(1, IR_VERSION).string(2, producer.name);
    if (producer.version) model.string(3, producer.version);
    model.message(7, (g) => this.writeGraph(g)).message(8, (o) => o.string(1, "").int(2, ONNX_OPSET));
    if (docString) model.string(6, docString);
    for (const [key, value] of Object.entries(metadata)) model.message(14, (m) => m.string(1, key).string(2, value));
    return model.finish();
  }

  private writeGraph(g: ProtoWriter): void {
    for (const node of this.nodes) g.message(1, (n) => writeNode(n, node));
    g.string(2, this.name);
    for (const init of this.initializers) g.message(5, (t) => writeTensor(t, init));
    for (const info of this.inputs) g.message(11, (v) => writeValueInfo(v, info));
    for (const info of this.outputs) g.message(12, (v) => writeValueInfo(v, info));
  }
}

function writeNode(w: ProtoWriter, node: Node): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name).string(4, node.op);
  for (const [name, value] of node.attributes) w.message(5, (a) => writeAttribute(a, name, value));
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === "string") w.string(4, value).int(20, AttributeType.string);
  else if (Array.isArray(value)) w.packedInts(8, value).int(20, AttributeType.ints);
  else if ("float" in value) w.float(2, value.float).int(20, AttributeType.float);
  else w.int(3, value.int).int(20, AttributeType.int);
}

/** raw_data is little-endian: on a little-endian host a Float32Array's bytes are written as they are. */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

function writeTensor(w: ProtoWriter, init: Initializer): void {
  for (const d of init.dims) w.int(1, d);
  w.int(2, DataType[init.type]).string(8, init.name);
  let raw: Uint8Array;
  if (init.type === "float") {
    const values = init.values instanceof Float32Array ? init.values : Float32Array.from(init.values);
    if (LITTLE_ENDIAN) raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    else {
      raw = new Uint8Array(values.length * 4);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    }
  } else {
    raw = new Uint8Array(init.values.length * 8);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < init.values.length; i++) view.setBigInt64(i * 8, BigInt(init.values[i]), true);
  }
  w.bytes(9, raw);
}

function writeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.string(1, info.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DataType[info.type]);
      tensor.message(2, (shape) => {
        for (const d of info.shape) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}
