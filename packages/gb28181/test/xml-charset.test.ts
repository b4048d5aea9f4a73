import { describe, expect, it } from "vitest";
import { decodeXmlBody, encodeXmlBody } from "../src/xml-charset.js";

// "一楼大厅" (first-floor lobby) in GB2312: 一 D2BB, 楼 C2A5, 大 B4F3, 厅 CCFC.
const LOBBY_GB2312 = Buffer.from("D2BBC2A5B4F3CCFC", "hex");
const LOBBY = "一楼大厅";

function body(declaration: string, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${declaration}<Item><Name>`, "latin1"), name, Buffer.from("</Name></Item>", "latin1")]);
}

describe("decodeXmlBody", () => {
  it("decodes GB2312 bytes declared as GB2312 and reports GB2312", () => {
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="GB2312"?>\r\n', LOBBY_GB2312));
    expect(decoded.charset).toBe("GB2312");
    expect(decoded.text).toContain(`<Name>${LOBBY}</Name>`);
  });

  it("accepts lower-case and single-quoted encoding labels", () => {
    const decoded = decodeXmlBody(body("<?xml version='1.0' encoding='gbk'?>", LOBBY_GB2312));
    expect(decoded).toMatchObject({ charset: "GBK" });
    expect(decoded.text).toContain(LOBBY);
  });

  it("falls back to GB18030 when bytes declared UTF-8 are not valid UTF-8", () => {
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="UTF-8"?>', LOBBY_GB2312));
    expect(decoded.charset).toBe("GB18030");
    expect(decoded.text).toContain(LOBBY);
  });

  it("detects UTF-8 when bytes declared GB2312 are valid multibyte UTF-8", () => {
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="GB2312"?>', Buffer.from(LOBBY, "utf8")));
    expect(decoded.charset).toBe("UTF-8");
    expect(decoded.text).toContain(LOBBY);
  });

  it("detects GB18030 for undeclared GB bytes and UTF-8 for undeclared UTF-8 bytes", () => {
    expect(decodeXmlBody(body("", LOBBY_GB2312))).toMatchObject({ charset: "GB18030" });
    expect(decodeXmlBody(body("", LOBBY_GB2312)).text).toContain(LOBBY);
    expect(decodeXmlBody(body("", Buffer.from(LOBBY, "utf8")))).toMatchObject({ charset: "UTF-8" });
  });

  it("treats a UTF-8 BOM as authoritative and strips it", () => {
    const decoded = decodeXmlBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body('<?xml version="1.0" encoding="GB2312"?>', Buffer.from(LOBBY))]));
    expect(decoded.charset).toBe("UTF-8");
    expect(decoded.text.startsWith("<?xml")).toBe(true);
  });

  it("decodes GB18030 four-byte sequences", () => {
    // U+20000 (CJK Extension B) = 95 32 82 36 in GB18030.
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="GB18030"?>', Buffer.from("95328236", "hex")));
    expect(decoded.text).toContain("<Name>\u{20000}</Name>");
  });
});

describe("encodeXmlBody", () => {
  it("writes GB2312 bytes and a matching declaration", () => {
    const bytes = encodeXmlBody(`<Name>${LOBBY}</Name>\r\n`, "GB2312");
    expect(bytes.subarray(0, 40).toString("latin1")).toBe('<?xml version="1.0" encoding="GB2312"?>\r');
    expect(bytes.includes(LOBBY_GB2312)).toBe(true);
  });

  it("replaces an existing declaration instead of duplicating it", () => {
    const text = encodeXmlBody(`<?xml version="1.0" encoding="UTF-8"?>\n<A/>`, "GBK").toString("latin1");
    expect(text).toBe('<?xml version="1.0" encoding="GBK"?>\r\n<A/>');
  });

  it("round-trips through decodeXmlBody in every charset", () => {
    const text = `<Name>${LOBBY} Cam-1 ℃</Name>`;
    for (const charset of ["GB2312", "GBK", "GB18030", "UTF-8"] as const) {
      const decoded = decodeXmlBody(encodeXmlBody(text, charset));
      expect(decoded.charset).toBe(charset);
      expect(decoded.text).toContain(text);
    }
  });

  it("encodes characters outside GBK only in GB18030, as ? elsewhere", () => {
    expect(decodeXmlBody(encodeXmlBody("<N>\u{20000}</N>", "GB18030")).text).toContain("\u{20000}");
    expect(decodeXmlBody(encodeXmlBody("<N>\u{20000}</N>", "GB2312")).text).toContain("<N>?</N>");
  });
});
