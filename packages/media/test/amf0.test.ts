import { describe, expect, it } from "vitest";
import { Amf0Marker, decodeAmf0Value, decodeAmf0Values, encodeAmf0EcmaArray, encodeAmf0Value, encodeAmf0Values } from "../src/flv/amf0.js";

describe("AMF0", () => {
  it("round-trips number, boolean, string, null, undefined, object and strict array", () => {
    const values = [1.5, -0, true, false, "héllo", null, undefined, { app: "live", nested: { n: 3, list: [1, "a", null] } }, [true, 2]];
    expect(decodeAmf0Values(encodeAmf0Values(values))).toEqual(values);
  });

  it("encodes the exact bytes of the spec's types", () => {
    expect([...encodeAmf0Value(1)]).toEqual([0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeAmf0Value("ab")]).toEqual([0x02, 0, 2, 0x61, 0x62]);
    expect([...encodeAmf0Value({ a: true })]).toEqual([0x03, 0, 1, 0x61, 0x01, 1, 0, 0, 0x09]);
    expect([...encodeAmf0Value(null)]).toEqual([0x05]);
  });

  it("uses a long string past 65535 bytes and decodes it back", () => {
    const text = "x".repeat(70_000);
    const bytes = encodeAmf0Value(text);
    expect(bytes[0]).toBe(Amf0Marker.LongString);
    expect(bytes.readUInt32BE(1)).toBe(70_000);
    expect(decodeAmf0Value(bytes)).toEqual({ value: text, next: bytes.length });
  });

  it("decodes an ECMA array to an object, ignoring a wrong advisory count", () => {
    const bytes = encodeAmf0EcmaArray([["width", 320], ["stereo", false]]);
    bytes.writeUInt32BE(99, 1);
    expect(decodeAmf0Value(bytes)?.value).toEqual({ width: 320, stereo: false });
  });

  it("decodes a date as its milliseconds", () => {
    const bytes = Buffer.alloc(11);
    bytes[0] = Amf0Marker.Date;
    bytes.writeDoubleBE(1_700_000_000_000, 1);
    expect(decodeAmf0Value(bytes)?.value).toBe(1_700_000_000_000);
  });

  it("returns undefined for every truncation of a valid encoding instead of throwing", () => {
    const bytes = encodeAmf0Values(["connect", 1, { app: "live", tcUrl: "rtmp://h/live", list: [1, 2] }]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const partial = decodeAmf0Values(bytes.subarray(0, cut));
      expect(partial === undefined || partial.length < 3).toBe(true);
    }
  });

  it("refuses unknown markers, huge strict arrays and nesting deeper than 32", () => {
    expect(decodeAmf0Value(Buffer.from([0x11]))).toBeUndefined();
    expect(decodeAmf0Value(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    const nest = (levels: number) => Buffer.concat([...Array.from({ length: levels }, () => Buffer.from([Amf0Marker.StrictArray, 0, 0, 0, 1])), Buffer.from([0x05])]);
    expect(decodeAmf0Value(nest(30))).toBeDefined();
    const deep = nest(40);
    expect(decodeAmf0Value(deep)).toBeUndefined();
  });

  it("keeps a __proto__ key as an own property", () => {
    const bytes = Buffer.from([0x03, 0, 9, ...Buffer.from("__proto__"), 0x01, 1, 0, 0, 0x09]);
    const value = decodeAmf0Value(bytes)?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, "__proto__")).toBe(true);
  });

  it("never throws on random bytes", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 14)));
      expect(() => decodeAmf0Values(bytes)).not.toThrow();
    }
  });
});
