import { describe, expect, it } from "vitest";
import { buildGbCode, gbTypeClass, isGbCode, parseGbCode } from "../src/gb-code.js";

describe("parseGbCode", () => {
  it("splits a camera code into its fields", () => {
    expect(parseGbCode("34020000001320000001")).toEqual({
      ok: true,
      code: "34020000001320000001",
      centre: { code: "34020000", province: "34", city: "02", district: "00", grassroots: "00" },
      industry: "00",
      type: "132",
      typeName: "IPC",
      network: "0",
      sequence: "000001",
      domain: "3402000000",
    });
  });

  it("names platform, NVR, group and organisation types", () => {
    expect(parseGbCode("34020000002000000001")).toMatchObject({ type: "200", typeName: "SIP server" });
    expect(parseGbCode("44010200491180000001")).toMatchObject({ centre: { province: "44", city: "01", district: "02", grassroots: "00" }, type: "118", typeName: "NVR", industry: "49" });
    expect(parseGbCode("34020000002150000001")).toMatchObject({ typeName: "business group" });
    expect(parseGbCode("34020000002160000001")).toMatchObject({ typeName: "virtual organization" });
    expect(parseGbCode("34020000001170000001")).toMatchObject({ typeName: "alarm controller" });
  });

  it("leaves unknown type names out", () => {
    expect(parseGbCode("34020000005990000001")).not.toHaveProperty("typeName");
  });

  it("rejects wrong lengths and non-digits", () => {
    expect(parseGbCode("3402000000132000001")).toEqual({ ok: false, reason: "expected 20 digits, got 19 characters" });
    expect(parseGbCode("3402000000132000000A")).toEqual({ ok: false, reason: "contains non-digit characters" });
    expect(isGbCode("34020000001320000001")).toBe(true);
    expect(isGbCode(" 34020000001320000001")).toBe(false);
  });
});

describe("buildGbCode", () => {
  it("composes domain, type, network and zero-padded sequence", () => {
    expect(buildGbCode({ domain: "3402000000", type: 132, sequence: 1 })).toBe("34020000001320000001");
    expect(buildGbCode({ domain: "4401020049", type: "131", sequence: 123456, network: 5 })).toBe("44010200491315123456");
  });

  it("round-trips with parseGbCode", () => {
    const code = buildGbCode({ domain: "3402000000", type: 216, sequence: 42 });
    expect(parseGbCode(code)).toMatchObject({ domain: "3402000000", type: "216", sequence: "000042" });
  });

  it("throws on programmer errors", () => {
    expect(() => buildGbCode({ domain: "34020", type: 132, sequence: 1 })).toThrow(RangeError);
    expect(() => buildGbCode({ domain: "3402000000", type: 1320, sequence: 1 })).toThrow(RangeError);
    expect(() => buildGbCode({ domain: "3402000000", type: 132, sequence: 1_000_000 })).toThrow(RangeError);
  });
});

describe("gbTypeClass", () => {
  it("classifies by the Table D.1 ranges", () => {
    expect(gbTypeClass("118")).toBe("front-end device");
    expect(gbTypeClass("132")).toBe("front-end peripheral");
    expect(gbTypeClass("216")).toBe("platform");
    expect(gbTypeClass("500")).toBe("extension");
  });
});
