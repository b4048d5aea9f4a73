import { describe, expect, it } from "vitest";
import { generateSsrc, parseSsrc } from "../src/ssrc.js";

describe("generateSsrc", () => {
  it("takes digits 4–8 of the domain, as in the standard's 13010000002000000001 → 10000 example", () => {
    expect(generateSsrc({ realtime: true, domain: "13010000002000000001", sequence: 1 })).toBe("0100000001");
    expect(generateSsrc({ realtime: false, domain: "1301000000", sequence: 9999 })).toBe("1100009999");
    expect(generateSsrc({ realtime: true, domain: "3402000000", sequence: 42 })).toBe("0200000042");
  });

  it("throws on invalid domain or sequence", () => {
    expect(() => generateSsrc({ realtime: true, domain: "34020", sequence: 1 })).toThrow(RangeError);
    expect(() => generateSsrc({ realtime: true, domain: "3402000000", sequence: 10000 })).toThrow(RangeError);
  });
});

describe("parseSsrc", () => {
  it("splits a y= value and gives the RTP SSRC number", () => {
    expect(parseSsrc("1200000042")).toEqual({ realtime: false, domainPart: "20000", sequence: 42, rtpSsrc: 1200000042 });
    expect(parseSsrc("0100000001")).toMatchObject({ realtime: true, rtpSsrc: 100000001 });
  });

  it("rejects non-standard values", () => {
    expect(parseSsrc("501000001")).toBeUndefined();
    expect(parseSsrc("2100000001")).toBeUndefined();
  });
});
