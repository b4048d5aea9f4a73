/**
 * AMF0 (Adobe "Action Message Format -- AMF 0", 2007), shared by FLV script tags (onMetaData) and
 * RTMP command messages. Decoding never throws: bytes come from peers. Objects and ECMA arrays both
 * decode to plain objects; strict arrays to arrays; a date to its epoch milliseconds.
 */
export type Amf0Value = number | boolean | string | null | undefined | Amf0Value[] | Amf0Object;
export interface Amf0Object {
  [key: string]: Amf0Value;
}

export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
} as const;

/** Nesting deeper than this is refused, so a hostile command cannot exhaust the stack. */
const MAX_DEPTH = 32;
/** Strict arrays announce their length; more elements than this are refused before allocation. */
const MAX_ARRAY_LENGTH = 65_536;

const OBJECT_END = Buffer.from([0x00, 0x00, Amf0Marker.ObjectEnd]);

function encodeUtf8(value: string, withMarker: boolean): Buffer {
  const utf8 = Buffer.from(value, "utf8");
  const long = utf8.length > 0xffff;
  const head = Buffer.allocUnsafe((withMarker ? 1 : 0) + (long ? 4 : 2));
  let offset = 0;
  if (withMarker) head[offset++] = long ? Amf0Marker.LongString : Amf0Marker.String;
  if (long) head.writeUInt32BE(utf8.length, offset);
  else head.writeUInt16BE(utf8.length, offset);
  return Buffer.concat([head, utf8]);
}

/** Property names are UTF-8 with a 16-bit length and no marker (AMF0 §2.4 "UTF-8"). */
function encodeKey(key: string): Buffer {
  const utf8 = Buffer.from(key, "utf8").subarray(0, 0xffff);
  const out = Buffer.allocUnsafe(2 + utf8.length);
  out.writeUInt16BE(utf8.length, 0);
  utf8.copy(out, 2);
  return out;
}

function encodeProperties(entries: Iterable<readonly [string, Amf0Value]>): Buffer[] {
  const parts: Buffer[] = [];
  for (const [key, value] of entries) parts.push(encodeKey(key), encodeAmf0Value(value));
  parts.push(OBJECT_END);
  return parts;
}

export function encodeAmf0String(value: string): Buffer {
  return encodeUtf8(value, true);
}

/** Strings longer than 65535 bytes become long strings (0x0C) automatically. */
export function encodeAmf0Value(value: Amf0Value): Buffer {
  if (value === null) return Buffer.from([Amf0Marker.Null]);
  if (value === undefined) return Buffer.from([Amf0Marker.Undefined]);
  if (typeof value === "string") return encodeUtf8(value, true);
  if (typeof value === "boolean") return Buffer.from([Amf0Marker.Boolean, value ? 1 : 0]);
  if (typeof value === "number") {
    const out = Buffer.allocUnsafe(9);
    out[0] = Amf0Marker.Number;
    out.writeDoubleBE(value, 1);
    return out;
  }
  if (Array.isArray(value)) {
    const head = Buffer.allocUnsafe(5);
    head[0] = Amf0Marker.StrictArray;
    head.writeUInt32BE(value.length, 1);
    return Buffer.concat([head, ...value.map(encodeAmf0Value)]);
  }
  return Buffer.concat([Buffer.from([Amf0Marker.Object]), ...encodeProperties(Object.entries(value))]);
}

export function encodeAmf0EcmaArray(entries: ReadonlyArray<readonly [string, Amf0Value]>): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = Amf0Marker.EcmaArray;
  head.writeUInt32BE(entries.length, 1);
  return Buffer.concat([head, ...encodeProperties(entries)]);
}

export function encodeAmf0Values(values: readonly Amf0Value[]): Buffer {
  return Buffer.concat(values.map(encodeAmf0Value));
}

type Decoded = { value: Amf0Value; next: number } | undefined;

function decodeString(data: Buffer, offset: number, lengthBytes: 2 | 4): { value: string; next: number } | undefined {
  if (offset + lengthBytes > data.length) return undefined;
  const length = lengthBytes === 2 ? data.readUInt16BE(offset) : data.readUInt32BE(offset);
  const start = offset + lengthBytes;
  if (start + length > data.length) return undefined;
  return { value: data.toString("utf8", start, start + length), next: start + length };
}

function decodeProperties(data: Buffer, offset: number, depth: number): { value: Amf0Object; next: number } | undefined {
  const value: Amf0Object = {};
  let at = offset;
  for (;;) {
    const key = decodeString(data, at, 2);
    if (key === undefined) return undefined;
    if (key.value === "" && data[key.next] === Amf0Marker.ObjectEnd) return { value, next: key.next + 1 };
    const item = decodeAt(data, key.next, depth + 1);
    if (item === undefined) return undefined;
    // Own properties only: a "__proto__" key from a peer must not reach the prototype.
    Object.defineProperty(value, key.value, { value: item.value, enumerable: true, writable: true, configurable: true });
    at = item.next;
  }
}

function decodeAt(data: Buffer, offset: number, depth: number): Decoded {
  if (offset >= data.length || depth > MAX_DEPTH) return undefined;
  const marker = data[offset]!;
  const body = offset + 1;
  switch (marker) {
    case Amf0Marker.Number:
      return body + 8 <= data.length ? { value: data.readDoubleBE(body), next: body + 8 } : undefined;
    case Amf0Marker.Boolean:
      return body < data.length ? { value: data[body] !== 0, next: body + 1 } : undefined;
    case Amf0Marker.String:
      return decodeString(data, body, 2);
    case Amf0Marker.LongString:
      return decodeString(data, body, 4);
    case Amf0Marker.Null:
      return { value: null, next: body };
    case Amf0Marker.Undefined:
      return { value: undefined, next: body };
    case Amf0Marker.Object:
      return decodeProperties(data, body, depth);
    case Amf0Marker.EcmaArray:
      // The count is advisory (encoders get it wrong); the end marker terminates.
      return body + 4 <= data.length ? decodeProperties(data, body + 4, depth) : undefined;
    case Amf0Marker.StrictArray: {
      if (body + 4 > data.length) return undefined;
      const count = data.readUInt32BE(body);
      if (count > MAX_ARRAY_LENGTH) return undefined;
      const items: Amf0Value[] = [];
      let at = body + 4;
      for (let i = 0; i < count; i++) {
        const item = decodeAt(data, at, depth + 1);
        if (item === undefined) return undefined;
        items.push(item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    case Amf0Marker.Date:
      return body + 10 <= data.length ? { value: data.readDoubleBE(body), next: body + 10 } : undefined;
    default:
      return undefined;
  }
}

/** One value at `offset`; undefined when the bytes are truncated, unknown or nested too deep. */
export function decodeAmf0Value(data: Buffer, offset = 0): { value: Amf0Value; next: number } | undefined {
  return decodeAt(data, offset, 0);
}

/** Every value in `data`; undefined when any is malformed. */
export function decodeAmf0Values(data: Buffer): Amf0Value[] | undefined {
  const values: Amf0Value[] = [];
  let offset = 0;
  while (offset < data.length) {
    const item = decodeAt(data, offset, 0);
    if (item === undefined) return undefined;
    values.push(item.value);
    offset = item.next;
  }
  return values;
}
