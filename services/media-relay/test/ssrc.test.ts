import { describe, expect, it } from "vitest";
import { formatSsrc, ssrcDomainPart, ssrcToNumber } from "../src/ssrc.js";

describe("GB28181 SSRC", () => {
  it("puts live/playback, SIP domain characters 4–8 and a 4-digit sequence into 10 digits", () => {
    const domain = ssrcDomainPart("3402000000");
    expect(domain).toBe("20000");
    expect(formatSsrc("live", domain, 7)).toBe("0200000007");
    expect(formatSsrc("playback", domain, 9999)).toBe("1200009999");
  });

  it("reads the SSRC as the decimal number devices put into RTP", () => {
    expect(ssrcToNumber("1200009999")).toBe(1200009999);
  });

  it("rejects a domain that is not 10 digits and a sequence beyond 9999", () => {
    expect(() => ssrcDomainPart("34020")).toThrow();
    expect(() => formatSsrc("live", "20000", 10_000)).toThrow();
  });
});
