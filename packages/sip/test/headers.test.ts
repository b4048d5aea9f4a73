import { describe, expect, it } from "vitest";
import {
  formatNameAddr,
  formatSipUri,
  formatVia,
  parseCSeq,
  parseNameAddr,
  parseParams,
  parseSipUri,
  parseVia,
  splitHeaderList,
} from "../src/index.js";

describe("parseSipUri / formatSipUri", () => {
  it("parses user, password, host, port, params and headers", () => {
    expect(parseSipUri("sip:alice:secret@[2001:db8::1]:5070;transport=TCP;lr?Subject=hi%20there&Priority=urgent")).toEqual({
      scheme: "sip",
      user: "alice",
      password: "secret",
      host: "[2001:db8::1]",
      port: 5070,
      params: { transport: "TCP", lr: null },
      headers: { Subject: "hi there", Priority: "urgent" },
    });
  });

  it("re-escapes what needs escaping so format → parse is stable", () => {
    const uri = parseSipUri("sip:I%20have%20spaces@example.net;n%61me=v%61lue%25%34%31");
    if (!uri) throw new Error("unparsed");
    expect(formatSipUri(uri)).toBe("sip:I%20have%20spaces@example.net;name=value%2541");
    expect(parseSipUri(formatSipUri(uri))).toEqual(uri);
  });

  it("refuses bad escapes, ports and hosts", () => {
    for (const bad of ["sip:a%zz@h", "sip:a@h:99999", "sip:a@h:x", "sip:a@", "sip:a@h h", "tel:+123", "sip:a@[::1", "sip:@h"]) {
      expect(parseSipUri(bad)).toBeUndefined();
    }
  });
});

describe("parseVia", () => {
  it("reads sent-by, port and params, and formats back", () => {
    const via = parseVia("SIP/2.0/UDP 192.168.1.64:5060;rport=5060;received=10.0.0.1;branch=z9hG4bK1");
    expect(via).toEqual({
      protocol: "SIP/2.0",
      transport: "UDP",
      host: "192.168.1.64",
      port: 5060,
      params: { rport: "5060", received: "10.0.0.1", branch: "z9hG4bK1" },
    });
    expect(via && formatVia(via)).toBe("SIP/2.0/UDP 192.168.1.64:5060;rport=5060;received=10.0.0.1;branch=z9hG4bK1");
  });

  it("accepts IPv6 sent-by and refuses empty params", () => {
    expect(parseVia("SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bK2")?.host).toBe("[2001:db8::9]");
    expect(parseVia("SIP/2.0/UDP 192.0.2.15;;")).toBeUndefined();
    expect(parseVia("SIP/2.0/UDP")).toBeUndefined();
  });
});

describe("parseNameAddr", () => {
  it("handles quoted display names, token display names and addr-spec", () => {
    expect(parseNameAddr('"一楼 \\"大厅\\"" <sip:34020000001320000001@3402000000>;tag=9')).toEqual({
      displayName: '一楼 "大厅"',
      uri: "sip:34020000001320000001@3402000000",
      params: { tag: "9" },
    });
    expect(parseNameAddr("A. Bell <sip:a@b>")?.displayName).toBe("A. Bell");
    expect(parseNameAddr("sip:a@b;tag=1")).toEqual({ uri: "sip:a@b", params: { tag: "1" } });
  });

  it("formats with <> and escaped quotes", () => {
    expect(formatNameAddr({ displayName: 'a "b"', uri: "sip:x@y", params: { tag: "1", lr: null } })).toBe('"a \\"b\\"" <sip:x@y>;tag=1;lr');
  });

  it("refuses unterminated quotes, spaces inside <> and '?' in addr-spec", () => {
    expect(parseNameAddr('"Mr. J. User <sip:j.user@example.com>')).toBeUndefined();
    expect(parseNameAddr("< sip:a@b >")).toBeUndefined();
    expect(parseNameAddr("sip:a@b?Route=x")).toBeUndefined();
    expect(parseNameAddr("<sip:a@b")).toBeUndefined();
  });
});

describe("other helpers", () => {
  it("parses CSeq within 2**31", () => {
    expect(parseCSeq("0009\t INVITE")).toEqual({ seq: 9, method: "INVITE" });
    expect(parseCSeq("2147483648 INVITE")).toBeUndefined();
    expect(parseCSeq("1")).toBeUndefined();
  });

  it("parses params with LWS and quoted values", () => {
    expect(parseParams(' ; a = 1 ;b; c="x;y"')).toEqual({ a: "1", b: null, c: '"x;y"' });
    expect(parseParams(";=1")).toBeUndefined();
  });

  it("splits lists outside quotes and angle brackets", () => {
    expect(splitHeaderList('"x,y" <sip:a@b;p=1,2>, <sip:c@d>')).toEqual(['"x,y" <sip:a@b;p=1,2>', "<sip:c@d>"]);
  });
});
