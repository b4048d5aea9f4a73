/** The AMF0 subset onMetaData needs (AMF0 spec §2: number 0x00, boolean 0x01, string 0x02, ECMA array 0x08). */
export type Amf0Value = number | boolean | string;

export function encodeAmf0String(value: string): Buffer {
  const utf8 = Buffer.from(value, "utf8");
  const out = Buffer.allocUnsafe(3 + utf8.length);
  out[0] = 0x02;
  out.writeUInt16BE(utf8.length, 1);
  utf8.copy(out, 3);
  return out;
}

export function encodeAmf0Value(value: Amf0Value): Buffer {
  if (typeof value === "string") return encodeAmf0String(value);
  if (typeof value === "boolean") return Buffer.from([0x01, value ? 1 : 0]);
  const out = Buffer.allocUnsafe(9);
  out[0] = 0x00;
  out.writeDoubleBE(value, 1);
  return out;
}

export function encodeAmf0EcmaArray(entries: ReadonlyArray<readonly [string, Amf0Value]>): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = 0x08;
  head.writeUInt32BE(entries.length, 1);
  const parts: Buffer[] = [head];
  for (const [key, value] of entries) {
    const name = Buffer.from(key, "utf8");
    const length = Buffer.allocUnsafe(2);
    length.writeUInt16BE(name.length);
    parts.push(length, name, encodeAmf0Value(value));
  }
  parts.push(Buffer.from([0x00, 0x00, 0x09])); // object end marker
  return Buffer.concat(parts);
}
