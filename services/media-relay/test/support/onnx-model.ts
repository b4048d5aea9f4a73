// A tiny but real ONNX model, written as protobuf bytes here (onnx.proto3 field numbers), so the
// tests run onnxruntime on a file that follows the relay's model contract without shipping one.

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return Buffer.from(out);
}

const tag = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, value: number) => Buffer.concat([tag(field, 0), varint(value)]);
const bytes = (field: number, value: Buffer | string) => {
  const b = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([tag(field, 2), varint(b.length), b]);
};
const message = (field: number, ...parts: Buffer[]) => bytes(field, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian). */
function tensor(field: number, name: string, type: typeof FLOAT | typeof INT64, dims: number[], values: number[]): Buffer {
  const raw = Buffer.alloc(values.length * (type === FLOAT ? 4 : 8));
  values.forEach((v, i) => (type === FLOAT ? raw.writeFloatLE(v, i * 4) : raw.writeBigInt64LE(BigInt(v), i * 8)));
  return message(field, ...dims.map((d) => int(1, d)), int(2, type), bytes(8, name), bytes(9, raw));
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 (AttributeProto: name 1, i 3, ints 8, type 20). */
function node(op: string, inputs: string[], output: string, attributes: Array<{ name: string; i?: number; ints?: number[] }> = []): Buffer {
  const attrs = attributes.map((a) =>
    a.ints !== undefined ? message(5, bytes(1, a.name), ...a.ints.map((v) => int(8, v)), int(20, ATTR_INTS)) : message(5, bytes(1, a.name), int(3, a.i ?? 0), int(20, ATTR_INT)),
  );
  return message(1, ...inputs.map((i) => bytes(1, i)), bytes(2, output), bytes(3, `${op}_${output}`), bytes(4, op), ...attrs);
}

/** ValueInfoProto name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 (dim_value 1 | dim_param 2). */
function valueInfo(field: number, name: string, dims: Array<number | string>): Buffer {
  const shape = message(2, ...dims.map((d) => message(1, typeof d === "number" ? int(1, d) : bytes(2, d))));
  return message(field, bytes(1, name), message(2, message(1, int(1, FLOAT), shape)));
}

export interface TestModelOptions {
  /** The input picture the model declares (H, W); default 96×128. */
  height?: number;
  width?: number;
  /** The box every frame gets, corners 0..1 (fewer values make rows that break the contract). */
  box?: number[];
  classIndex?: number;
  /** Output [1,1,6] (true) or [1,6]. */
  batched?: boolean;
  /** A symbolic H and W in the input, which the contract refuses. */
  dynamicSize?: boolean;
}

/**
 * A detector whose one box's score is the frame's mean brightness (ReduceMean over the 0..1 input):
 * a white frame scores ≈ 1 and fires, a black one ≈ 0 and does not. Output rows are
 * `x1,y1,x2,y2,score,class` as the relay's contract says.
 */
export function brightnessModel(options: TestModelOptions = {}): Buffer {
  const h = options.height ?? 96;
  const w = options.width ?? 128;
  const lead = options.batched === false ? [1] : [1, 1];
  const box = options.box ?? [0.25, 0.25, 0.75, 0.75];
  const graph = Buffer.concat([
    node("ReduceMean", ["images"], "mean", [{ name: "axes", ints: [1, 2, 3] }, { name: "keepdims", i: 0 }]),
    node("Reshape", ["mean", "score_shape"], "score"),
    node("Concat", ["box", "score", "class"], "detections", [{ name: "axis", i: lead.length }]),
    bytes(2, "brightness"),
    tensor(5, "score_shape", INT64, [lead.length + 1], [...lead, 1]),
    tensor(5, "box", FLOAT, [...lead, box.length], box),
    tensor(5, "class", FLOAT, [...lead, 1], [options.classIndex ?? 0]),
    valueInfo(11, "images", options.dynamicSize ? [1, 3, "height", "width"] : [1, 3, h, w]),
    valueInfo(12, "detections", [...lead, box.length + 2]),
  ]);
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (version 2). Opset 13 keeps ReduceMean's axes an attribute.
  return Buffer.concat([int(1, 8), bytes(2, "ivc-test"), message(7, graph), message(8, int(2, 13))]);
}
