/** Big-endian length fields shared by the decoder configuration records. */

export function uint16BE(value: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value);
  return out;
}
